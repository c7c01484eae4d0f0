immperm::policies_for_tests!();

use immperm::requires_imm;

#[requires_imm(op = "pointcloud/compress", notify = "jobs")]
fn compress() {}

fn main() {
    compress();
}
