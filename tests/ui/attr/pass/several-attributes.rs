//! Several attributes on one function: one capability with every declared (operation, mode).
#![deny(warnings)]

immperm::policies_for_tests!();

use immperm::{Has, mode, op, requires_imm};

fn build<O, M>(_: &impl Has<O, M>) -> &'static str
where
    O: op::RunsIn<M>,
    M: mode::ProcessingMode,
{
    <O as op::Operation>::ENTRY.name
}

#[requires_imm(op = "video/info")]
#[requires_imm(op = "video/snapshots", async, notify = "jobs")]
#[requires_imm(op = "pointcloud/compress")]
#[requires_imm(op = "pointcloud/compress", async, saveas = "clouds/small/")]
fn ingest() -> [&'static str; 4] {
    [
        build::<op::VideoInfo, mode::Sync>(&IMM),
        build::<op::VideoSnapshots, mode::Async>(&IMM),
        build::<op::PointcloudCompress, mode::Sync>(&IMM),
        build::<op::PointcloudCompress, mode::Async>(&IMM),
    ]
}

fn main() {
    assert_eq!(
        ingest(),
        [
            "video/info",
            "video/snapshots",
            "pointcloud/compress",
            "pointcloud/compress"
        ]
    );
    assert_eq!(core::mem::size_of_val(&ingest), 0);
}
