//! Checking requirements against deployed policies: 10,000 requirements against 10 policies of
//! 100 statements each with wildcard patterns, and how the time grows with each.
//!
//! Run with `cargo bench -p immperm --bench audit`; prints medians of 15 runs.

use std::hint::black_box;
use std::time::{Duration, Instant};

use immperm_build::audit::{self, DeployedPolicy};
use immperm_build::catalog::{self, Mode};
use immperm_build::generate::{self, Principal};
use immperm_build::{Requirement, SaveTarget, Scope};

/// `count` valid requirements over 500 buckets with saving to 50 prefixes.
fn requirements(count: usize) -> Vec<Requirement> {
    let uses: Vec<(&str, Mode)> = catalog::OPERATIONS
        .iter()
        .flat_map(|op| {
            [Mode::Sync, Mode::Async]
                .into_iter()
                .filter(|m| op.modes.supports(*m))
                .map(|m| (op.name, m))
        })
        .collect();
    (0..count)
        .filter_map(|i| {
            let (name, mode) = uses.get(i % uses.len())?;
            let req = Requirement::new(name, *mode)
                .ok()?
                .bucket(&format!("bucket-{}", i % 500))
                .ok()?;
            if req.saves() {
                let target = SaveTarget::parse(&format!("out-{}/p{}/", i % 500, i % 50)).ok()?;
                req.saveas(target).ok()
            } else {
                Some(req)
            }
        })
        .collect()
}

/// `count` policies of `statements` statements: wildcard actions and resources, a few denies
/// and conditions, like hand-edited policies.
fn policies(count: usize, statements: usize) -> Vec<DeployedPolicy> {
    (0..count)
        .map(|p| {
            let body: Vec<String> = (0..statements)
                .map(|s| {
                    let n = p * statements + s;
                    let action = match n % 6 {
                        0 => "\"oss:Get*\"".to_owned(),
                        1 => "[\"oss:P*\", \"oss:ProcessImm\"]".to_owned(),
                        2 => "\"imm:*\"".to_owned(),
                        3 => "[\"oss:Put?bject\", \"imm:Detect*\"]".to_owned(),
                        4 => "\"ram:PassRole\"".to_owned(),
                        _ => "[\"mns:*\", \"oss:List*\"]".to_owned(),
                    };
                    let resource = match n % 4 {
                        0 => format!("\"acs:oss:*:*:bucket-{}*\"", n % 500),
                        1 => format!("[\"acs:oss:*:*:out-{}/*\", \"acs:oss:*:*:bucket-?{}/*\"]", n % 500, n % 10),
                        2 => "\"*\"".to_owned(),
                        _ => "\"acs:ram:*:*:role/*\"".to_owned(),
                    };
                    let (effect, condition) = match n % 25 {
                        0 => ("Deny", String::new()),
                        1 => ("Allow", ", \"Condition\": {\"IpAddress\": {\"acs:SourceIp\": \"10.0.0.0/8\"}}".to_owned()),
                        _ => ("Allow", String::new()),
                    };
                    format!("{{\"Effect\": \"{effect}\", \"Action\": {action}, \"Resource\": {resource}{condition}}}")
                })
                .collect();
            let text = format!("{{\"Version\": \"1\", \"Statement\": [{}]}}", body.join(","));
            DeployedPolicy::parse(&format!("policy-{p}.json"), &text).unwrap_or_else(|e| {
                eprintln!("{e}");
                std::process::exit(2)
            })
        })
        .collect()
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort_unstable();
    runs.get(runs.len() / 2).copied().unwrap_or_default()
}

/// Median time of needs + audit for `reqs` requirements against `count` × `statements`.
fn measure(reqs: usize, count: usize, statements: usize) -> (Duration, usize, usize) {
    let requirements = requirements(reqs);
    let deployed = policies(count, statements);
    let scope = Scope::default();
    let mut needs_len = 0;
    let mut missing = 0;
    let runs = (0..15)
        .map(|_| {
            let start = Instant::now();
            let needs = generate::needs(&requirements, &scope);
            let report = audit::audit(needs.of(Principal::Caller), &requirements, &deployed, false);
            needs_len = needs.of(Principal::Caller).count();
            missing = black_box(report.missing.len());
            start.elapsed()
        })
        .collect();
    (median(runs), needs_len, missing)
}

fn main() {
    println!("requirements  policies x statements  caller needs  denied  median");
    for (reqs, count, statements) in [
        (10_000, 10, 100),
        (1_000, 10, 100),
        (100_000, 10, 100),
        (10_000, 1, 100),
        (10_000, 10, 10),
        (10_000, 100, 100),
    ] {
        let (time, needs, missing) = measure(reqs, count, statements);
        println!(
            "{reqs:>12}  {count:>8} x {statements:<10}  {needs:>12}  {missing:>6}  {:>6.1} ms",
            time.as_secs_f64() * 1000.0
        );
    }
}
