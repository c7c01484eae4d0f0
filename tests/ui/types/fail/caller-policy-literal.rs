// A caller policy is only made from requirements, never from an arbitrary document.
use immperm_build::generate::CallerPolicy;
use immperm_ram::policy::PolicyDocument;

fn main() {
    let document = PolicyDocument::from_json(
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Resource":"*"}]}"#,
    )
    .unwrap();
    let _ = CallerPolicy { document };
}
