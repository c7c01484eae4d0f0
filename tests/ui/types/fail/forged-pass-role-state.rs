// The builder's pass-role state cannot be forged by implementing its trait.
use immperm_build::Scope;
use immperm_build::generate::GrantsPassRole;

struct Forged;

impl<'a> GrantsPassRole<'a> for Forged {
    fn scope(&self) -> &'a Scope {
        unimplemented!()
    }
}

fn main() {}
