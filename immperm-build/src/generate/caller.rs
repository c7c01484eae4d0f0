//! The caller policy as a type that cannot lack `ram:PassRole`, nor `oss:PostProcessTask`
//! when a requirement is asynchronous.

use std::fmt;
use std::marker::PhantomData;

use super::{GenerateError, need, render};
use crate::requirement::{Requirement, Scope};
use immperm_ram::policy::{DEFAULT_SIZE_LIMIT, PolicyDocument};

/// The policy of the RAM user or role whose code sends the OSS requests (grants 1 and 2, and
/// the batch/trigger additions).
///
/// Its fields are private and it is only built from requirements, by
/// [`generate`](super::generate) or [`CallerPolicy::builder`], so every value of this type
/// grants `ram:PassRole` on the service role and `oss:PostProcessTask` wherever a
/// requirement sends a `POST` (every asynchronous one). Read it with
/// [`document`](Self::document); there is no way to change it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CallerPolicy {
    document: PolicyDocument,
}

impl CallerPolicy {
    /// A builder: add requirements, then [`pass_role`](CallerPolicyBuilder::pass_role) with the
    /// scope, then [`build`](CallerPolicyBuilder::build).
    ///
    /// ```
    /// use immperm_build::generate::CallerPolicy;
    /// use immperm_build::{mode, op, Requirement, Scope};
    ///
    /// let scope = Scope::default();
    /// let policy = CallerPolicy::builder()
    ///     .require(immperm_build::requirement::of::<op::VideoSnapshots, mode::Async>().bucket("media")?)
    ///     .pass_role(&scope)
    ///     .build()?;
    /// let json = policy.to_json_pretty();
    /// assert!(json.contains("\"ram:PassRole\""));
    /// assert!(json.contains("\"oss:PostProcessTask\""));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder<'a>() -> CallerPolicyBuilder<'a, NoPassRole> {
        CallerPolicyBuilder {
            requirements: Vec::new(),
            size_limit: DEFAULT_SIZE_LIMIT,
            role: NoPassRole(()),
            scope: PhantomData,
        }
    }

    pub(super) fn from_needs(needs: &need::Needs) -> Option<Self> {
        render::identity(needs.of(need::Principal::Caller)).map(|document| Self { document })
    }

    /// The policy document.
    pub fn document(&self) -> &PolicyDocument {
        &self.document
    }

    /// The document's pretty JSON ([`PolicyDocument::to_json_pretty`]).
    pub fn to_json_pretty(&self) -> String {
        self.document.to_json_pretty()
    }

    /// The policy document, by value: from here on it is an ordinary document.
    pub fn into_document(self) -> PolicyDocument {
        self.document
    }
}

impl AsRef<PolicyDocument> for CallerPolicy {
    fn as_ref(&self) -> &PolicyDocument {
        &self.document
    }
}

impl fmt::Display for CallerPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.document.fmt(f)
    }
}

/// Builds a [`CallerPolicy`] from requirements. `R` records whether
/// [`pass_role`](Self::pass_role) was called: [`build`](Self::build) only exists once it was.
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until `.pass_role(&scope).build()`"]
pub struct CallerPolicyBuilder<'a, R> {
    requirements: Vec<Requirement>,
    size_limit: usize,
    role: R,
    scope: PhantomData<&'a Scope>,
}

/// Builder state: `ram:PassRole` not granted yet.
#[derive(Clone, Copy, Debug)]
pub struct NoPassRole(());

/// Builder state: `ram:PassRole` granted on the service role of this scope.
#[derive(Clone, Copy, Debug)]
pub struct WithPassRole<'a>(&'a Scope);

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::WithPassRole<'_> {}
}

/// A builder state in which `ram:PassRole` is granted.
#[diagnostic::on_unimplemented(
    message = "a caller policy needs `ram:PassRole` on the IMM service role",
    label = "`ram:PassRole` is not granted by this builder yet",
    note = "call `.pass_role(&scope)` before `.build()`: the scope names the service role IMM runs as"
)]
pub trait GrantsPassRole<'a>: sealed::Sealed {
    /// The scope whose service role is passed.
    fn scope(&self) -> &'a Scope;
}

impl<'a> GrantsPassRole<'a> for WithPassRole<'a> {
    fn scope(&self) -> &'a Scope {
        self.0
    }
}

impl<'a, R> CallerPolicyBuilder<'a, R> {
    /// Adds one requirement.
    pub fn require(mut self, requirement: Requirement) -> Self {
        self.requirements.push(requirement);
        self
    }

    /// Adds requirements.
    pub fn requirements(mut self, requirements: impl IntoIterator<Item = Requirement>) -> Self {
        self.requirements.extend(requirements);
        self
    }

    /// Checks the document against `limit` characters rather than
    /// [`DEFAULT_SIZE_LIMIT`].
    pub fn size_limit(mut self, limit: usize) -> Self {
        self.size_limit = limit;
        self
    }

    /// Grants `ram:PassRole` on the service role of `scope` (and, for batch or trigger use,
    /// on its batch/trigger role); the scope also decides every ARN of the policy.
    pub fn pass_role(self, scope: &'a Scope) -> CallerPolicyBuilder<'a, WithPassRole<'a>> {
        CallerPolicyBuilder {
            requirements: self.requirements,
            size_limit: self.size_limit,
            role: WithPassRole(scope),
            scope: PhantomData,
        }
    }

    /// The caller policy of the requirements.
    ///
    /// # Errors
    /// No requirement, an invalid scope, or a document over the size limit.
    pub fn build(self) -> Result<CallerPolicy, GenerateError>
    where
        R: GrantsPassRole<'a>,
    {
        let scope = self.role.scope();
        super::check_inputs(&self.requirements, scope)?;
        let needs = need::needs(&self.requirements, scope);
        let policy = CallerPolicy::from_needs(&needs).ok_or(GenerateError::NoRequirements)?;
        super::check_size(super::CALLER_FILE, policy.document(), self.size_limit)?;
        Ok(policy)
    }
}
