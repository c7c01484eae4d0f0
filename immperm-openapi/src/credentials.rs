//! Alibaba Cloud credentials, read the way Alibaba Cloud's own tools read them.
//!
//! The official SDKs' default chain looks at the environment first
//! ([`ENV_ACCESS_KEY_ID`], [`ENV_ACCESS_KEY_SECRET`], [`ENV_SECURITY_TOKEN`]), then at the
//! aliyun CLI's `~/.aliyun/config.json`, in the profile [`ENV_PROFILE`] names or else its
//! `current` one. [`resolve`] follows that order, except that a profile named by the caller
//! (a `--profile` option) always wins. Only the static modes are read: `AK` and `StsToken`;
//! any other mode is an error naming it.
//!
//! The reading functions are pure: [`from_env`] takes the variables as a function and
//! [`from_cli_config`] the file's text, so tests never touch the real environment or home
//! directory. [`load`] is the one that does.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The AccessKey ID variable.
pub const ENV_ACCESS_KEY_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
/// The AccessKey secret variable.
pub const ENV_ACCESS_KEY_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
/// The STS security token variable (temporary credentials only).
pub const ENV_SECURITY_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";
/// The variable naming the aliyun CLI profile to use instead of the configuration's `current`.
pub const ENV_PROFILE: &str = "ALIBABA_CLOUD_PROFILE";

/// An AccessKey pair, with the STS security token of temporary credentials.
///
/// `Debug` shows the AccessKey ID only; the secret and the token are never printed.
///
/// ```
/// use immperm_openapi::Credentials;
///
/// let credentials = Credentials::new("LTAI5tExample", "secret").with_security_token("token");
/// assert_eq!(
///     format!("{credentials:?}"),
///     r#"Credentials { access_key_id: "LTAI5tExample", access_key_secret: "<redacted>", security_token: Some("<redacted>") }"#
/// );
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    access_key_secret: String,
    security_token: Option<String>,
}

impl Credentials {
    /// A long-term AccessKey pair.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            access_key_secret: access_key_secret.into(),
            security_token: None,
        }
    }

    /// The same key pair as temporary STS credentials carrying `token`.
    #[must_use]
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(token.into());
        self
    }

    /// The AccessKey ID (`Credential=` in the `Authorization` header).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The AccessKey secret, the signing key. Never log it.
    pub fn access_key_secret(&self) -> &str {
        &self.access_key_secret
    }

    /// The STS security token, sent as `x-acs-security-token`.
    pub fn security_token(&self) -> Option<&str> {
        self.security_token.as_deref()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"<redacted>")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Where [`resolve`] found the credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// [`ENV_ACCESS_KEY_ID`] and [`ENV_ACCESS_KEY_SECRET`].
    Environment,
    /// A profile of the aliyun CLI's configuration file.
    CliProfile {
        /// The profile's `name`.
        name: String,
        /// The file it was read from.
        path: PathBuf,
    },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Environment => write!(f, "the environment ({ENV_ACCESS_KEY_ID})"),
            Self::CliProfile { name, path } => {
                write!(f, "profile `{name}` of {}", path.display())
            }
        }
    }
}

/// Credentials and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// The credentials.
    pub credentials: Credentials,
    /// Where they were found, to tell the user which identity is in use.
    pub source: Source,
}

/// Why no credentials could be read. No variant holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialsError {
    /// One credential variable is set and another it needs is not.
    IncompleteEnvironment {
        /// The variable that is set.
        set: &'static str,
        /// The variable that is missing or empty.
        missing: &'static str,
    },
    /// Neither `HOME` nor `USERPROFILE` is set, so the CLI configuration cannot be found.
    NoHome,
    /// No variables and no CLI configuration file.
    NotFound {
        /// Where the CLI configuration was looked for.
        path: PathBuf,
    },
    /// The CLI configuration exists but cannot be read.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        reason: String,
    },
    /// The CLI configuration was read but gives no usable credentials.
    Config {
        /// The file, when known.
        path: Option<PathBuf>,
        /// What is wrong with it.
        problem: ConfigProblem,
    },
}

/// What is wrong with an aliyun CLI configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigProblem {
    /// Not the JSON shape the aliyun CLI writes (only the position is kept: the text may hold
    /// secrets).
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// No profile was asked for and the file names no `current` one.
    NoCurrentProfile,
    /// No profile has the name asked for.
    UnknownProfile {
        /// The name asked for.
        name: String,
        /// The names the file has, in its order.
        known: Vec<String>,
    },
    /// The profile's mode needs a credential exchange this crate does not perform.
    UnsupportedMode {
        /// The profile.
        profile: String,
        /// Its `mode` (empty when the profile has none).
        mode: String,
    },
    /// A field the profile's mode needs is missing or empty.
    MissingField {
        /// The profile.
        profile: String,
        /// Its mode.
        mode: &'static str,
        /// The field (`access_key_id`, `access_key_secret` or `sts_token`).
        field: &'static str,
    },
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax { line, column } => write!(
                f,
                "it is not an aliyun CLI configuration (line {line}, column {column}); \
                 repair it or recreate it with `aliyun configure`"
            ),
            Self::NoCurrentProfile => write!(
                f,
                "it names no `current` profile; pass a profile name or set {ENV_PROFILE}"
            ),
            Self::UnknownProfile { name, known } if known.is_empty() => write!(
                f,
                "it has no profiles, so none named `{name}`; create one with \
                 `aliyun configure --profile {name}`"
            ),
            Self::UnknownProfile { name, known } => write!(
                f,
                "it has no profile `{name}` (it has {}); pick one of those or create it with \
                 `aliyun configure --profile {name}`",
                known
                    .iter()
                    .map(|known| format!("`{known}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::UnsupportedMode { profile, mode } if mode.is_empty() => write!(
                f,
                "profile `{profile}` has no `mode`; recreate it with \
                 `aliyun configure --profile {profile} --mode AK`"
            ),
            Self::UnsupportedMode { profile, mode } => write!(
                f,
                "profile `{profile}` uses mode `{mode}`, which is not supported (only `AK` and \
                 `StsToken` are); use an `AK` or `StsToken` profile, or export \
                 {ENV_ACCESS_KEY_ID}, {ENV_ACCESS_KEY_SECRET} and {ENV_SECURITY_TOKEN} with \
                 temporary credentials (for example from `aliyun sts AssumeRole`)"
            ),
            Self::MissingField {
                profile,
                mode,
                field,
            } => write!(
                f,
                "profile `{profile}` (mode `{mode}`) has no `{field}`; set it with \
                 `aliyun configure --profile {profile} --mode {mode}`"
            ),
        }
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::IncompleteEnvironment { set, missing } => write!(
                f,
                "{set} is set but {missing} is not; set both, or unset {set} to use the aliyun \
                 CLI's profile"
            ),
            Self::NoHome => write!(
                f,
                "no Alibaba Cloud credentials: {ENV_ACCESS_KEY_ID} is not set and neither HOME \
                 nor USERPROFILE is, so ~/.aliyun/config.json cannot be found; set \
                 {ENV_ACCESS_KEY_ID} and {ENV_ACCESS_KEY_SECRET}"
            ),
            Self::NotFound { path } => write!(
                f,
                "no Alibaba Cloud credentials: {ENV_ACCESS_KEY_ID} is not set and {} does not \
                 exist; set {ENV_ACCESS_KEY_ID} and {ENV_ACCESS_KEY_SECRET}, or run \
                 `aliyun configure`",
                path.display()
            ),
            Self::Unreadable { path, reason } => write!(
                f,
                "cannot read {} ({reason}); fix its permissions, or set {ENV_ACCESS_KEY_ID} and \
                 {ENV_ACCESS_KEY_SECRET}",
                path.display()
            ),
            Self::Config {
                path: Some(path),
                problem,
            } => write!(f, "{}: {problem}", path.display()),
            Self::Config {
                path: None,
                problem,
            } => write!(f, "aliyun CLI configuration: {problem}"),
        }
    }
}

impl std::error::Error for CredentialsError {}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|value| !value.is_empty())
}

/// Credentials from the environment, `var` returning a variable's value.
///
/// `Ok(None)` when none of the three variables is set (empty counts as unset).
///
/// # Errors
///
/// [`CredentialsError::IncompleteEnvironment`] when the ID, the secret or the token is set
/// without the others it needs.
///
/// ```
/// use immperm_openapi::credentials::{self, ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET};
///
/// let vars = |name: &str| match name {
///     ENV_ACCESS_KEY_ID => Some("LTAI5tExample".to_owned()),
///     ENV_ACCESS_KEY_SECRET => Some("secret".to_owned()),
///     _ => None,
/// };
/// let credentials = credentials::from_env(vars)?.unwrap();
/// assert_eq!(credentials.access_key_id(), "LTAI5tExample");
/// assert_eq!(credentials.security_token(), None);
/// # Ok::<(), immperm_openapi::CredentialsError>(())
/// ```
pub fn from_env(
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<Credentials>, CredentialsError> {
    let id = non_empty(var(ENV_ACCESS_KEY_ID));
    let secret = non_empty(var(ENV_ACCESS_KEY_SECRET));
    let token = non_empty(var(ENV_SECURITY_TOKEN));
    match (id, secret, token) {
        (None, None, None) => Ok(None),
        (Some(id), Some(secret), token) => {
            let credentials = Credentials::new(id, secret);
            Ok(Some(match token {
                Some(token) => credentials.with_security_token(token),
                None => credentials,
            }))
        }
        (Some(_), None, _) => Err(CredentialsError::IncompleteEnvironment {
            set: ENV_ACCESS_KEY_ID,
            missing: ENV_ACCESS_KEY_SECRET,
        }),
        (None, Some(_), _) => Err(CredentialsError::IncompleteEnvironment {
            set: ENV_ACCESS_KEY_SECRET,
            missing: ENV_ACCESS_KEY_ID,
        }),
        (None, None, Some(_)) => Err(CredentialsError::IncompleteEnvironment {
            set: ENV_SECURITY_TOKEN,
            missing: ENV_ACCESS_KEY_ID,
        }),
    }
}

/// The part of `~/.aliyun/config.json` read here; the CLI writes many more fields.
#[derive(Deserialize)]
struct CliConfig {
    #[serde(default)]
    current: String,
    #[serde(default)]
    profiles: Vec<CliProfile>,
}

#[derive(Deserialize)]
struct CliProfile {
    #[serde(default)]
    name: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    access_key_id: String,
    #[serde(default)]
    access_key_secret: String,
    #[serde(default)]
    sts_token: String,
}

/// Credentials of a profile of an aliyun CLI configuration (the text of
/// `~/.aliyun/config.json`): `profile`, or the file's `current` profile when `None`.
///
/// # Errors
///
/// [`CredentialsError::Config`] (without a path) when the text is not a CLI configuration,
/// the profile does not exist, its mode is neither `AK` nor `StsToken`, or a field that mode
/// needs is empty.
///
/// ```
/// use immperm_openapi::credentials;
///
/// let config = r#"{
///   "current": "default",
///   "profiles": [
///     {"name": "default", "mode": "AK", "access_key_id": "LTAI5tExample",
///      "access_key_secret": "secret", "region_id": "cn-hangzhou"}
///   ]
/// }"#;
/// let credentials = credentials::from_cli_config(config, None)?;
/// assert_eq!(credentials.access_key_id(), "LTAI5tExample");
/// # Ok::<(), immperm_openapi::CredentialsError>(())
/// ```
pub fn from_cli_config(text: &str, profile: Option<&str>) -> Result<Credentials, CredentialsError> {
    profile_credentials(text, profile)
        .map(|(_, credentials)| credentials)
        .map_err(|problem| CredentialsError::Config {
            path: None,
            problem,
        })
}

/// The name of the profile read, and its credentials.
fn profile_credentials(
    text: &str,
    profile: Option<&str>,
) -> Result<(String, Credentials), ConfigProblem> {
    let config: CliConfig = serde_json::from_str(text).map_err(|error| ConfigProblem::Syntax {
        line: error.line(),
        column: error.column(),
    })?;
    let name = match profile {
        Some(name) => name,
        None if config.current.is_empty() => return Err(ConfigProblem::NoCurrentProfile),
        None => config.current.as_str(),
    };
    let Some(found) = config.profiles.iter().find(|p| p.name == name) else {
        return Err(ConfigProblem::UnknownProfile {
            name: name.to_owned(),
            known: config.profiles.iter().map(|p| p.name.clone()).collect(),
        });
    };
    let mode: &'static str = match found.mode.as_str() {
        "AK" => "AK",
        "StsToken" => "StsToken",
        other => {
            return Err(ConfigProblem::UnsupportedMode {
                profile: name.to_owned(),
                mode: other.to_owned(),
            });
        }
    };
    let require = |field: &'static str, value: &str| {
        if value.is_empty() {
            Err(ConfigProblem::MissingField {
                profile: name.to_owned(),
                mode,
                field,
            })
        } else {
            Ok(value.to_owned())
        }
    };
    let credentials = Credentials::new(
        require("access_key_id", &found.access_key_id)?,
        require("access_key_secret", &found.access_key_secret)?,
    );
    let credentials = if mode == "StsToken" {
        credentials.with_security_token(require("sts_token", &found.sts_token)?)
    } else {
        credentials
    };
    Ok((name.to_owned(), credentials))
}

/// Where the aliyun CLI keeps its configuration under the home directory `home`.
pub fn cli_config_path(home: &Path) -> PathBuf {
    home.join(".aliyun").join("config.json")
}

/// Finds credentials as Alibaba Cloud's tools do, with the environment and the file given as
/// functions: `var` reads a variable, `read` reads a file (it is called only for the CLI
/// configuration, and only when the environment has no credentials or `profile` is given).
///
/// The order: `profile` when given (a `--profile` option) reads that CLI profile; else the
/// variables [`ENV_ACCESS_KEY_ID`], [`ENV_ACCESS_KEY_SECRET`] and [`ENV_SECURITY_TOKEN`];
/// else the CLI profile [`ENV_PROFILE`] names, or the file's `current` one. The file is
/// `$HOME/.aliyun/config.json` (`%USERPROFILE%` when `HOME` is unset).
///
/// # Errors
///
/// A [`CredentialsError`] saying what is missing or wrong and how to fix it.
pub fn resolve(
    profile: Option<&str>,
    var: impl Fn(&str) -> Option<String>,
    read: impl FnOnce(&Path) -> io::Result<String>,
) -> Result<Loaded, CredentialsError> {
    if profile.is_none()
        && let Some(credentials) = from_env(&var)?
    {
        return Ok(Loaded {
            credentials,
            source: Source::Environment,
        });
    }
    let home = non_empty(var("HOME"))
        .or_else(|| non_empty(var("USERPROFILE")))
        .ok_or(CredentialsError::NoHome)?;
    let path = cli_config_path(Path::new(&home));
    let text = read(&path).map_err(|error| match error.kind() {
        io::ErrorKind::NotFound => CredentialsError::NotFound { path: path.clone() },
        _ => CredentialsError::Unreadable {
            path: path.clone(),
            reason: error.to_string(),
        },
    })?;
    let from_var = non_empty(var(ENV_PROFILE));
    let name = profile.or(from_var.as_deref());
    let (name, credentials) =
        profile_credentials(&text, name).map_err(|problem| CredentialsError::Config {
            path: Some(path.clone()),
            problem,
        })?;
    Ok(Loaded {
        credentials,
        source: Source::CliProfile { name, path },
    })
}

/// [`resolve`] with the process's environment and file system.
///
/// # Errors
///
/// See [`resolve`].
pub fn load(profile: Option<&str>) -> Result<Loaded, CredentialsError> {
    resolve(
        profile,
        |name| std::env::var(name).ok(),
        |path| std::fs::read_to_string(path),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const CONFIG: &str = r#"{
        "current": "work",
        "profiles": [
            {"name": "default", "mode": "AK", "access_key_id": "LTAI5tDefault",
             "access_key_secret": "default-secret", "sts_token": "", "region_id": "cn-hangzhou",
             "output_format": "json", "language": "en", "expired_seconds": 0},
            {"name": "work", "mode": "StsToken", "access_key_id": "STS.Work",
             "access_key_secret": "work-secret", "sts_token": "work-token"},
            {"name": "assumed", "mode": "RamRoleArn", "access_key_id": "LTAI5tRole",
             "access_key_secret": "role-secret", "ram_role_arn": "acs:ram::1:role/r"},
            {"name": "empty-mode", "access_key_id": "x", "access_key_secret": "y"},
            {"name": "no-token", "mode": "StsToken", "access_key_id": "STS.x",
             "access_key_secret": "y", "sts_token": ""}
        ],
        "meta_path": ""
    }"#;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn problem(result: Result<Credentials, CredentialsError>) -> ConfigProblem {
        match result {
            Err(CredentialsError::Config { problem, .. }) => problem,
            other => panic!("expected a configuration problem, got {other:?}"),
        }
    }

    #[test]
    fn environment_pairs_and_tokens() {
        assert_eq!(from_env(env(&[])).unwrap(), None);
        assert_eq!(
            from_env(env(&[(ENV_ACCESS_KEY_ID, ""), (ENV_ACCESS_KEY_SECRET, "")])).unwrap(),
            None
        );
        let pair = env(&[(ENV_ACCESS_KEY_ID, "id"), (ENV_ACCESS_KEY_SECRET, "s")]);
        assert_eq!(from_env(pair).unwrap(), Some(Credentials::new("id", "s")));
        let sts = env(&[
            (ENV_ACCESS_KEY_ID, "STS.id"),
            (ENV_ACCESS_KEY_SECRET, "s"),
            (ENV_SECURITY_TOKEN, "t"),
        ]);
        assert_eq!(from_env(sts).unwrap().unwrap().security_token(), Some("t"));
    }

    #[test]
    fn an_incomplete_environment_names_the_missing_variable() {
        let error = from_env(env(&[(ENV_ACCESS_KEY_ID, "id")])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "ALIBABA_CLOUD_ACCESS_KEY_ID is set but ALIBABA_CLOUD_ACCESS_KEY_SECRET is not; set \
             both, or unset ALIBABA_CLOUD_ACCESS_KEY_ID to use the aliyun CLI's profile"
        );
        assert!(matches!(
            from_env(env(&[(ENV_ACCESS_KEY_SECRET, "s")])),
            Err(CredentialsError::IncompleteEnvironment {
                missing: ENV_ACCESS_KEY_ID,
                ..
            })
        ));
        assert!(matches!(
            from_env(env(&[(ENV_SECURITY_TOKEN, "t")])),
            Err(CredentialsError::IncompleteEnvironment {
                set: ENV_SECURITY_TOKEN,
                ..
            })
        ));
    }

    #[test]
    fn cli_profiles_by_name_or_current() {
        let current = from_cli_config(CONFIG, None).unwrap();
        assert_eq!(
            current,
            Credentials::new("STS.Work", "work-secret").with_security_token("work-token")
        );
        let ak = from_cli_config(CONFIG, Some("default")).unwrap();
        // An `AK` profile ignores the empty `sts_token` the CLI writes into every profile.
        assert_eq!(ak, Credentials::new("LTAI5tDefault", "default-secret"));
    }

    #[test]
    fn unsupported_modes_are_named() {
        let error = from_cli_config(CONFIG, Some("assumed")).unwrap_err();
        assert_eq!(
            problem(Err(error.clone())),
            ConfigProblem::UnsupportedMode {
                profile: "assumed".into(),
                mode: "RamRoleArn".into()
            }
        );
        let message = error.to_string();
        assert!(message.contains("mode `RamRoleArn`"), "{message}");
        assert!(message.contains("`AK` or `StsToken`"), "{message}");
        assert!(
            from_cli_config(CONFIG, Some("empty-mode"))
                .unwrap_err()
                .to_string()
                .contains("has no `mode`")
        );
    }

    #[test]
    fn missing_profiles_and_fields() {
        assert_eq!(
            problem(from_cli_config(CONFIG, Some("wrok"))),
            ConfigProblem::UnknownProfile {
                name: "wrok".into(),
                known: ["default", "work", "assumed", "empty-mode", "no-token"]
                    .map(String::from)
                    .to_vec()
            }
        );
        assert_eq!(
            problem(from_cli_config(CONFIG, Some("no-token"))),
            ConfigProblem::MissingField {
                profile: "no-token".into(),
                mode: "StsToken",
                field: "sts_token"
            }
        );
        assert_eq!(
            problem(from_cli_config(r#"{"profiles": []}"#, None)),
            ConfigProblem::NoCurrentProfile
        );
        assert!(
            from_cli_config(r#"{"current": "a"}"#, None)
                .unwrap_err()
                .to_string()
                .contains("has no profiles")
        );
    }

    #[test]
    fn syntax_errors_keep_no_text() {
        // A secret in a malformed file must not reach the message.
        let text = r#"{"profiles": [{"name": "a", "access_key_secret": 12345678}]}"#;
        let error = from_cli_config(text, Some("a")).unwrap_err();
        assert!(matches!(
            problem(Err(error.clone())),
            ConfigProblem::Syntax { line: 1, .. }
        ));
        assert!(!error.to_string().contains("12345678"), "{error}");
    }

    #[test]
    fn resolution_order() {
        let read_config = |path: &Path| {
            assert_eq!(path, Path::new("/home/u/.aliyun/config.json"));
            Ok(CONFIG.to_owned())
        };
        let no_file = |_: &Path| -> io::Result<String> { panic!("the file must not be read") };
        let keys = [
            ("HOME", "/home/u"),
            (ENV_ACCESS_KEY_ID, "LTAI5tEnv"),
            (ENV_ACCESS_KEY_SECRET, "env-secret"),
        ];

        // The environment first.
        let loaded = resolve(None, env(&keys), no_file).unwrap();
        assert_eq!(loaded.source, Source::Environment);
        assert_eq!(loaded.credentials.access_key_id(), "LTAI5tEnv");

        // A profile asked for wins over the environment.
        let loaded = resolve(Some("default"), env(&keys), read_config).unwrap();
        assert_eq!(loaded.credentials.access_key_id(), "LTAI5tDefault");
        assert_eq!(
            loaded.source.to_string(),
            "profile `default` of /home/u/.aliyun/config.json"
        );

        // Then ALIBABA_CLOUD_PROFILE, then `current`.
        let named = env(&[("HOME", "/home/u"), (ENV_PROFILE, "default")]);
        let loaded = resolve(None, named, read_config).unwrap();
        assert_eq!(loaded.credentials.access_key_id(), "LTAI5tDefault");
        let loaded = resolve(None, env(&[("HOME", "/home/u")]), read_config).unwrap();
        assert_eq!(
            loaded.source,
            Source::CliProfile {
                name: "work".into(),
                path: PathBuf::from("/home/u/.aliyun/config.json")
            }
        );

        // USERPROFILE when HOME is unset.
        let windows = env(&[("USERPROFILE", "/home/u")]);
        assert!(resolve(None, windows, read_config).is_ok());
    }

    #[test]
    fn resolution_failures_say_what_to_do() {
        assert_eq!(
            resolve(None, env(&[]), |_| Ok(String::new())),
            Err(CredentialsError::NoHome)
        );
        let missing = |_: &Path| Err(io::Error::from(io::ErrorKind::NotFound));
        let error = resolve(None, env(&[("HOME", "/h")]), missing).unwrap_err();
        assert!(
            error.to_string().contains("run `aliyun configure`"),
            "{error}"
        );
        let denied = |_: &Path| Err(io::Error::from(io::ErrorKind::PermissionDenied));
        assert!(matches!(
            resolve(None, env(&[("HOME", "/h")]), denied),
            Err(CredentialsError::Unreadable { .. })
        ));
        let error = resolve(Some("assumed"), env(&[("HOME", "/h")]), |_| {
            Ok(CONFIG.to_owned())
        })
        .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("/h/.aliyun/config.json: profile `assumed` uses mode `RamRoleArn`"),
            "{error}"
        );
    }

    #[test]
    fn debug_never_shows_secrets() {
        let sts = from_cli_config(CONFIG, None).unwrap();
        let shown = format!(
            "{sts:?} {:?}",
            Loaded {
                credentials: sts.clone(),
                source: Source::Environment
            }
        );
        assert!(
            !shown.contains("work-secret") && !shown.contains("work-token"),
            "{shown}"
        );
        assert!(shown.contains("STS.Work"));
    }
}
