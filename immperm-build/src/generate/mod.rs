//! The least-privilege generator: requirements and a scope in, the four grants out.
//!
//! Generation runs in two steps. [`needs`] turns requirements into a flat, sorted list of
//! [`Need`]s — (principal, action, resource, the requirements behind it) — and the
//! documents are rendered from that list alone: actions needed on the same set of resources
//! share a statement, actions and resources are sorted and deduplicated, and the same
//! requirements in any order give byte-identical documents.
//!
//! | file | principal | when |
//! |---|---|---|
//! | `caller.json` | the caller ([`CallerPolicy`]) | always |
//! | `service-role.json` | a custom service role | [`Scope::service_role`] is not `AliyunIMMDefaultRole` |
//! | `service-role-trust.json` | the same role's trust policy | idem |
//! | `batch-trigger-role.json` | the batch/trigger role | a requirement is run by a batch processor or trigger |
//!
//! ```
//! use immperm_build::generate::{self, ServiceRolePolicy};
//! use immperm_build::{mode, op, Requirement, SaveTarget, Scope};
//!
//! let requirements = [
//!     immperm_build::requirement::of::<op::VideoInfo, mode::Sync>(),
//!     immperm_build::requirement::of::<op::VideoSnapshots, mode::Async>()
//!         .saveas(SaveTarget::parse("media-out/thumbs/")?)?,
//! ];
//! let scope = Scope { buckets: vec!["media".into()], ..Scope::default() };
//! let policies = generate::generate(&requirements, &scope)?;
//! assert!(policies.warnings().is_empty());
//! assert!(matches!(policies.service_role(), ServiceRolePolicy::Default { .. }));
//! let files: Vec<_> = policies.files().into_iter().map(|(name, _)| name).collect();
//! assert_eq!(files, ["caller.json"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod caller;
mod need;
mod render;

use std::fmt;

pub use caller::{CallerPolicy, CallerPolicyBuilder, GrantsPassRole, NoPassRole, WithPassRole};
pub use need::{Need, Needs, Principal, Warning, needs};

use crate::catalog;
use crate::requirement::{Requirement, Scope};
use immperm_ram::policy::{
    DEFAULT_SIZE_LIMIT, PolicyDocument, PolicyError, Principal as PolicyPrincipal, Statement,
    Values,
};

/// The file name of the caller policy.
pub const CALLER_FILE: &str = "caller.json";
/// The file name of a custom service role's policy.
pub const SERVICE_ROLE_FILE: &str = "service-role.json";
/// The file name of a custom service role's trust policy.
pub const SERVICE_ROLE_TRUST_FILE: &str = "service-role-trust.json";
/// The file name of the batch/trigger role's policy.
pub const BATCH_TRIGGER_ROLE_FILE: &str = "batch-trigger-role.json";

/// How documents are generated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Options {
    /// The length limit every document is checked against, in characters
    /// ([`PolicyDocument::size`]).
    pub size_limit: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            size_limit: DEFAULT_SIZE_LIMIT,
        }
    }
}

/// What the IMM service role needs (grant 3).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ServiceRolePolicy {
    /// The scope uses IMM's default service role, whose system policy covers it: nothing to
    /// attach.
    Default {
        /// The role's name, as the scope writes it.
        role: String,
        /// Why nothing is generated, for display.
        note: String,
    },
    /// A custom service role: attach `policy` and create the role with `trust`.
    Custom {
        /// The role's name.
        role: String,
        /// `oss:GetObject` on inputs, `oss:PutObject` on outputs, `mns:PublishMessage` on
        /// notification topics.
        policy: PolicyDocument,
        /// `sts:AssumeRole` for the service `imm.aliyuncs.com`.
        trust: PolicyDocument,
    },
}

/// Every document the requirements need, the needs they are rendered from, and cautions.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Policies {
    needs: Needs,
    caller: CallerPolicy,
    service_role: ServiceRolePolicy,
    batch_trigger_role: Option<PolicyDocument>,
}

impl Policies {
    /// The needs the documents are rendered from.
    pub fn needs(&self) -> &Needs {
        &self.needs
    }

    /// Cautions about grants broader than they could be.
    pub fn warnings(&self) -> &[Warning] {
        &self.needs.warnings
    }

    /// The caller's policy (grants 1 and 2).
    pub fn caller(&self) -> &CallerPolicy {
        &self.caller
    }

    /// The service role's policy and trust policy, or why none is needed (grant 3).
    pub fn service_role(&self) -> &ServiceRolePolicy {
        &self.service_role
    }

    /// The batch/trigger role's policy, when a requirement is run by a batch processor or a
    /// trigger (grant 4).
    pub fn batch_trigger_role(&self) -> Option<&PolicyDocument> {
        self.batch_trigger_role.as_ref()
    }

    /// The documents to write, as (file name, pretty JSON), in the order of the table in
    /// the [module documentation](self).
    pub fn files(&self) -> Vec<(&'static str, String)> {
        let mut files = vec![(CALLER_FILE, self.caller.to_json_pretty())];
        if let ServiceRolePolicy::Custom { policy, trust, .. } = &self.service_role {
            files.push((SERVICE_ROLE_FILE, policy.to_json_pretty()));
            files.push((SERVICE_ROLE_TRUST_FILE, trust.to_json_pretty()));
        }
        if let Some(policy) = &self.batch_trigger_role {
            files.push((BATCH_TRIGGER_ROLE_FILE, policy.to_json_pretty()));
        }
        files
    }
}

/// Why no policies could be generated.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum GenerateError {
    /// There is nothing to grant.
    NoRequirements,
    /// The scope is invalid: every problem, described.
    Scope(Vec<String>),
    /// A document is longer than the limit.
    TooLarge {
        /// Its file name ([`CALLER_FILE`], ...).
        file: &'static str,
        /// The length and the limit.
        error: PolicyError,
    },
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoRequirements => f.write_str(
                "no requirements: nothing to grant; declare an operation with `#[requires_imm]` or `Requirement::of`",
            ),
            Self::Scope(problems) => f.write_str(&problems.join("\n")),
            Self::TooLarge { file, error } => write!(f, "{file}: {error}"),
        }
    }
}

impl std::error::Error for GenerateError {}

/// The policies `requirements` need in `scope`, each checked against RAM's current size
/// limit. See [`needs`] for the rules.
///
/// # Errors
/// No requirement, an invalid scope, or a document over the limit.
pub fn generate(requirements: &[Requirement], scope: &Scope) -> Result<Policies, GenerateError> {
    generate_with(requirements, scope, &Options::default())
}

/// [`generate`] with options.
///
/// # Errors
/// As [`generate`].
pub fn generate_with(
    requirements: &[Requirement],
    scope: &Scope,
    options: &Options,
) -> Result<Policies, GenerateError> {
    check_inputs(requirements, scope)?;
    from_needs(needs(requirements, scope), scope, options)
}

/// The documents of `needs` (computed by [`needs`], possibly for several groups of
/// requirements merged, each with its own buckets).
///
/// # Errors
/// No need, an invalid scope, or a document over the limit.
pub fn from_needs(
    needs: Needs,
    scope: &Scope,
    options: &Options,
) -> Result<Policies, GenerateError> {
    let problems = scope_problems(scope);
    if !problems.is_empty() {
        return Err(GenerateError::Scope(problems));
    }
    let caller = CallerPolicy::from_needs(&needs).ok_or(GenerateError::NoRequirements)?;
    check_size(CALLER_FILE, caller.document(), options.size_limit)?;

    let service_role = if scope.uses_default_service_role() {
        ServiceRolePolicy::Default {
            role: scope.service_role.clone(),
            note: format!(
                "`{}` is IMM's default service role: its system policy `{}` already grants what \
                 IMM needs, so there is no service-role policy to attach",
                scope.service_role,
                catalog::DEFAULT_SERVICE_ROLE_POLICY
            ),
        }
    } else {
        let policy = render::identity(needs.of(Principal::ServiceRole))
            .ok_or(GenerateError::NoRequirements)?;
        check_size(SERVICE_ROLE_FILE, &policy, options.size_limit)?;
        ServiceRolePolicy::Custom {
            role: scope.service_role.clone(),
            policy,
            trust: trust_policy(),
        }
    };

    let batch_trigger_role = render::identity(needs.of(Principal::BatchTriggerRole));
    if let Some(policy) = &batch_trigger_role {
        check_size(BATCH_TRIGGER_ROLE_FILE, policy, options.size_limit)?;
    }

    Ok(Policies {
        needs,
        caller,
        service_role,
        batch_trigger_role,
    })
}

/// `sts:AssumeRole` for the service `imm.aliyuncs.com`: the trust policy of every IMM
/// service role.
pub fn trust_policy() -> PolicyDocument {
    let statement = Statement {
        principal: Some(PolicyPrincipal::service(catalog::IMM_SERVICE_PRINCIPAL)),
        resource: None,
        ..Statement::allow(Values::one(catalog::STS_ASSUME_ROLE), Values::one("*"))
    };
    PolicyDocument::single(statement)
}

fn check_size(
    file: &'static str,
    document: &PolicyDocument,
    limit: usize,
) -> Result<(), GenerateError> {
    document
        .check_size(limit)
        .map_err(|error| GenerateError::TooLarge { file, error })
}

/// Everything that makes generation impossible, checked before anything is generated.
fn check_inputs(requirements: &[Requirement], scope: &Scope) -> Result<(), GenerateError> {
    if requirements.is_empty() {
        return Err(GenerateError::NoRequirements);
    }
    let problems = scope_problems(scope);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(GenerateError::Scope(problems))
    }
}

/// What is wrong with a scope: names that would make ARNs match something else than meant.
fn scope_problems(scope: &Scope) -> Vec<String> {
    let mut problems = Vec::new();
    let account = &scope.account;
    if account != "*" && (account.is_empty() || !account.bytes().all(|b| b.is_ascii_digit())) {
        problems.push(format!(
            "scope account `{account}` is not an account id; write the numeric id (`1234567890123456`) or `*`"
        ));
    }
    let region = &scope.region;
    let region_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    if region != "*" && (region.is_empty() || !region.chars().all(region_char)) {
        problems.push(format!(
            "scope region `{region}` is not a region id; write one like `cn-hangzhou`, or `*`"
        ));
    }
    if let Some(project) = &scope.project {
        let project_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if project.is_empty() || project.len() > 128 || !project.chars().all(project_char) {
            problems.push(format!(
                "scope project `{project}` is not an IMM project name; use 1 to 128 letters, digits, hyphens and underscores"
            ));
        }
    }
    for (what, role) in [
        ("service role", &scope.service_role),
        ("batch/trigger role", &scope.batch_trigger_role),
    ] {
        let role_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
        if role.is_empty() || role.len() > 64 || !role.chars().all(role_char) {
            problems.push(format!(
                "scope {what} `{role}` is not a RAM role name; use 1 to 64 letters, digits, periods and hyphens"
            ));
        }
    }
    for bucket in &scope.buckets {
        if let Err(problem) = catalog::validate_bucket(bucket) {
            problems.push(format!("scope buckets: {problem}"));
        }
    }
    problems
}

#[cfg(test)]
mod tests;
