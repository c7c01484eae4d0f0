//! The command-line grammar.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

/// Least-privilege Alibaba Cloud RAM policies for IMM used through OSS, derived from a
/// crate's `#[requires_imm]` annotations.
///
/// PATH is a crate directory (the one with `Cargo.toml`; default `.`). Exit status: 0 on
/// success, 1 when a check found a difference, 2 for usage, configuration and source errors.
#[derive(Debug, Parser)]
#[command(name = "immperm", version, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print the RAM policy documents the crate's code needs.
    ///
    /// By default, prints the caller's policy (the RAM user or role that runs the code) as the
    /// JSON to paste into the RAM console. A document that does not apply (the service role's
    /// with IMM's default service role, whose system policy covers it; the batch/trigger role's
    /// when no batch processor or trigger runs an operation) is an error saying why.
    Policy(PolicyArgs),
    /// Show every permission of every principal and the functions that need it.
    ///
    /// Lists, per principal, each action and resource with the functions (file and line, operation,
    /// mode) that need it; the annotations a false `#[cfg]` excludes; annotations whose
    /// arguments cannot be read from source; IMM actions that also allow operations the code
    /// does not declare; and grants broader than they could be.
    Explain(ExplainArgs),
    /// Write `immperm.lock` and the policy directory, or check that they are up to date.
    ///
    /// Without `--check`, writes the files whose content changed and prints what changed. With
    /// `--check` (for CI), writes nothing, prints the semantic difference and exits with 1 when
    /// the committed files are stale.
    Lock(LockArgs),
    /// Check deployed RAM policies against what the crate's code needs.
    ///
    /// Reads each policy as written in the RAM console, or as `aliyun ram GetPolicyVersion` (or
    /// `GetPolicy`) prints it; or, with `--live`, every policy RAM applies to a user (its own
    /// and its groups', system policies included) or a role. Evaluates every permission the
    /// principal needs the way RAM does: an explicit `Deny` wins, else an `Allow` grants, else
    /// the request is denied. An `Allow` under a `Condition` is not a proven allow: it counts
    /// as missing, and so does a permission a conditional `Deny` may refuse. Exits with 1 and
    /// one line per missing grant, naming the functions that need it.
    Check(CheckArgs),
    /// Make RAM hold the policies the crate's code needs, attached where they apply.
    ///
    /// Creates the crate's custom policies, or gives them a new default version when their
    /// document differs (deleting the oldest non-default version when RAM's limit of 5 is
    /// reached); creates or updates a custom IMM service role (and batch/trigger role) with its
    /// trust policy; attaches the caller's policy to `--user` or `--role` and the roles'
    /// policies to the roles. Prints the plan first, with the document changes, then applies
    /// only what differs: a second run changes nothing. Documents are compared as RAM reads
    /// them, so RAM's reformatting is not a change.
    Deploy(DeployArgs),
    /// Show the catalog of IMM operations, with evidence and what each action unlocks.
    ///
    /// For every operation: its modes, whether it saves with `sys/saveas` and notifies, the IMM
    /// actions it needs (with where each can be granted), how well each fact is documented and
    /// where it comes from, and the other operations its actions also allow.
    Catalog(CatalogArgs),
}

/// The package to analyze and the configuration its `#[cfg]`s are evaluated against.
#[derive(Debug, Args)]
pub(crate) struct CrateArgs {
    /// The package directory (the one with `Cargo.toml`)
    #[arg(value_name = "PATH", default_value = ".")]
    pub(crate) path: PathBuf,
    /// The package's `Cargo.toml`, or the workspace's (instead of PATH)
    #[arg(long, value_name = "FILE")]
    pub(crate) manifest_path: Option<PathBuf>,
    /// The workspace member to analyze
    #[arg(long, short = 'p', value_name = "NAME")]
    pub(crate) package: Option<String>,
    /// Every workspace member that depends on immperm (`lock` and `explain`)
    #[arg(long)]
    pub(crate) workspace: bool,
    /// Features to enable, comma- or space-separated, as for cargo (default: those
    /// `[package.metadata.immperm]` configures, else `default`)
    #[arg(long, short = 'F', value_name = "FEATURES")]
    pub(crate) features: Vec<String>,
    /// Do not enable the `default` feature
    #[arg(long)]
    pub(crate) no_default_features: bool,
    /// Enable every feature of the package
    #[arg(long, conflicts_with = "features")]
    pub(crate) all_features: bool,
    /// Derive the policy for this target triple (default: the configured `target`, else the
    /// host)
    #[arg(long, value_name = "TRIPLE")]
    pub(crate) target: Option<String>,
}

// The arguments of `policy`.
#[derive(Debug, Args)]
pub(crate) struct PolicyArgs {
    #[command(flatten)]
    pub(crate) krate: CrateArgs,
    /// The document to print
    #[arg(long, value_enum, default_value_t = Document::Caller)]
    pub(crate) document: Document,
    /// How to print it: RAM JSON, Terraform (alicloud provider) resources, or `aliyun ram`
    /// commands
    #[arg(long, value_enum, default_value_t = PolicyFormat::Json)]
    pub(crate) format: PolicyFormat,
    /// Write every applicable document into DIR instead (JSON: `caller.json`,
    /// `service-role.json`, `service-role-trust.json`, `batch-trigger-role.json`; Terraform:
    /// `immperm.tf`; aliyun-cli: `immperm.sh`)
    #[arg(long, value_name = "DIR", conflicts_with = "document")]
    pub(crate) out: Option<PathBuf>,
}

/// A policy document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Document {
    /// The caller's policy: OSS, IMM and `ram:PassRole` (`caller.json`)
    Caller,
    /// A custom IMM service role's policy (`service-role.json`)
    ServiceRole,
    /// A custom IMM service role's trust policy (`service-role-trust.json`)
    Trust,
    /// The batch/trigger role's policy (`batch-trigger-role.json`)
    BatchTrigger,
}

/// How `policy` prints documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum PolicyFormat {
    /// RAM policy JSON
    Json,
    /// `alicloud_ram_policy` (and `alicloud_ram_role` with its attachment) resources, the
    /// caller's policy attached to `var.ram_user` or `var.ram_role`
    Terraform,
    /// A shell script of `aliyun ram` commands that can be run again (it versions existing
    /// policies), attaching the caller's policy to `$RAM_USER` or `$RAM_ROLE`
    AliyunCli,
}

/// Text or JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    /// For people
    Text,
    /// A stable JSON structure, for programs
    Json,
}

// The arguments of `explain`.
#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    #[command(flatten)]
    pub(crate) krate: CrateArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub(crate) format: ReportFormat,
}

// The arguments of `lock`.
#[derive(Debug, Args)]
pub(crate) struct LockArgs {
    #[command(flatten)]
    pub(crate) krate: CrateArgs,
    /// Only check; exit with 1 when the committed files differ from what the code needs
    #[arg(long)]
    pub(crate) check: bool,
}

/// How to reach RAM: the credentials and the endpoint.
#[derive(Debug, Args)]
pub(crate) struct RamArgs {
    /// The aliyun CLI profile to read credentials from (`~/.aliyun/config.json`); by default
    /// `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET` and
    /// `ALIBABA_CLOUD_SECURITY_TOKEN`, else the profile `ALIBABA_CLOUD_PROFILE` names, else the
    /// CLI's current one
    #[arg(long, value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// The RAM API endpoint (default `https://ram.aliyuncs.com`, or `IMMPERM_RAM_ENDPOINT`);
    /// plain `http://` only for a loopback test server
    #[arg(long, value_name = "URL")]
    pub(crate) ram_endpoint: Option<String>,
}

// The arguments of `check`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("live-principal").args(["user", "role"])))]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    pub(crate) krate: CrateArgs,
    /// The deployed policy files, all attached to the principal
    #[arg(
        long,
        value_name = "FILE",
        num_args = 1..,
        required_unless_present = "live",
        conflicts_with = "live"
    )]
    pub(crate) policy: Vec<PathBuf>,
    /// Read the policies attached in RAM instead, to `--user` (with its groups') or `--role`
    #[arg(long, requires = "live-principal")]
    pub(crate) live: bool,
    /// With `--live`: the RAM user whose policies are checked
    #[arg(long, value_name = "NAME", requires = "live", conflicts_with = "role")]
    pub(crate) user: Option<String>,
    /// With `--live`: the RAM role whose policies are checked
    #[arg(long, value_name = "NAME", requires = "live")]
    pub(crate) role: Option<String>,
    #[command(flatten)]
    pub(crate) ram: RamArgs,
    /// Also fail on over-grants: actions nothing needs (wildcards expanded against the
    /// catalog's known actions), resources broader than needed, `ram:PassRole` on every role
    /// without an `acs:Service` condition; and list collateral IMM actions
    #[arg(long)]
    pub(crate) strict: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub(crate) format: ReportFormat,
    /// The principal the policies are attached to
    #[arg(long, value_enum, default_value_t = CheckPrincipal::Caller)]
    pub(crate) principal: CheckPrincipal,
}

/// A principal whose needs `check` evaluates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum CheckPrincipal {
    /// The RAM user or role that runs the code
    Caller,
    /// The IMM service role of the project
    ServiceRole,
    /// The role IMM batch processors and triggers run as
    BatchTriggerRole,
}

// The arguments of `deploy`.
#[derive(Debug, Args)]
pub(crate) struct DeployArgs {
    #[command(flatten)]
    pub(crate) krate: CrateArgs,
    /// The RAM user that runs the code: the caller's policy is attached to it
    #[arg(long, value_name = "NAME", conflicts_with = "role")]
    pub(crate) user: Option<String>,
    /// The RAM role that runs the code: the caller's policy is attached to it
    #[arg(long, value_name = "NAME")]
    pub(crate) role: Option<String>,
    /// Print the plan and change nothing
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Print the plan, change nothing, and exit with 1 when RAM differs from what the code
    /// needs (for CI)
    #[arg(long)]
    pub(crate) check: bool,
    /// Print the RAM policy `deploy` and `check --live` need to run, for the crate's policies
    /// and roles and the `--user` or `--role` given, and change nothing
    #[arg(long, conflicts_with_all = ["dry_run", "check"])]
    pub(crate) print_own_policy: bool,
    #[command(flatten)]
    pub(crate) ram: RamArgs,
}

// The arguments of `catalog`.
#[derive(Debug, Args)]
pub(crate) struct CatalogArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub(crate) format: ReportFormat,
}
