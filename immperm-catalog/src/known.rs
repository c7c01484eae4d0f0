//! Actions known to the catalog beyond the ones operations need: what over-grant reports
//! expand a wildcard (`oss:*`, `imm:*`, `oss:Get*`) against.
//!
//! The list holds every action immperm can emit and the common actions of the same services
//! (OSS object, bucket and service actions; IMM project, binding and task actions; SMQ topic
//! and queue actions; RAM and STS role actions), gathered from Alibaba Cloud's OSS
//! "Authorization syntax and elements" page, the IMM RAM authorization page and the system
//! policies `AliyunIMMFullAccess` and `AliyunOSSReadOnlyAccess`. It is not exhaustive: a report
//! built on it also flags the wildcard itself, so an action missing here is never reported as
//! harmless.

/// Known actions, sorted (case-sensitively, as written in Alibaba Cloud's tables).
pub const KNOWN_ACTIONS: &[&str] = &[
    "imm:AttachOSSBucket",
    "imm:CreateBatch",
    "imm:CreateCompressPointCloudTask",
    "imm:CreateDataset",
    "imm:CreateDecodeBlindWatermarkTask",
    "imm:CreateMediaConvertTask",
    "imm:CreateOfficeConversionTask",
    "imm:CreateProject",
    "imm:CreateTrigger",
    "imm:DeleteBatch",
    "imm:DeleteDataset",
    "imm:DeleteProject",
    "imm:DeleteTrigger",
    "imm:DetachOSSBucket",
    "imm:DetectImageBodies",
    "imm:DetectImageCars",
    "imm:DetectImageCodes",
    "imm:DetectImageCropping",
    "imm:DetectImageFaces",
    "imm:DetectImageLabels",
    "imm:DetectImageScore",
    "imm:DetectMediaMeta",
    "imm:EncodeBlindWatermark",
    "imm:GenerateVideoPlaylist",
    "imm:GenerateWebofficeToken",
    "imm:GetBatch",
    "imm:GetDataset",
    "imm:GetOSSBucketAttachment",
    "imm:GetProject",
    "imm:GetTask",
    "imm:GetTrigger",
    "imm:GetWebofficeURL",
    "imm:ListAttachedOSSBuckets",
    "imm:ListBatches",
    "imm:ListDatasets",
    "imm:ListProjects",
    "imm:ListTasks",
    "imm:ListTriggers",
    "imm:LiveTranscoding",
    "imm:RefreshWebofficeToken",
    "imm:UpdateProject",
    "mns:CreateQueue",
    "mns:CreateTopic",
    "mns:DeleteMessage",
    "mns:DeleteQueue",
    "mns:DeleteTopic",
    "mns:PublishMessage",
    "mns:ReceiveMessage",
    "mns:SendMessage",
    "mns:Subscribe",
    "mns:Unsubscribe",
    "oss:AbortMultipartUpload",
    "oss:AppendObject",
    "oss:DeleteBucket",
    "oss:DeleteBucketInventory",
    "oss:DeleteBucketNotification",
    "oss:DeleteBucketPolicy",
    "oss:DeleteObject",
    "oss:DeleteObjectTagging",
    "oss:DeleteObjectVersion",
    "oss:GetBucketAcl",
    "oss:GetBucketInfo",
    "oss:GetBucketInventory",
    "oss:GetBucketLocation",
    "oss:GetBucketPolicy",
    "oss:GetBucketVersioning",
    "oss:GetEventRecordStatus",
    "oss:GetObject",
    "oss:GetObjectAcl",
    "oss:GetObjectTagging",
    "oss:GetObjectVersion",
    "oss:GetSymlink",
    "oss:ListBucketInventory",
    "oss:ListBuckets",
    "oss:ListMultipartUploads",
    "oss:ListObjectVersions",
    "oss:ListObjects",
    "oss:ListParts",
    "oss:PostProcessTask",
    "oss:ProcessImm",
    "oss:PutBucket",
    "oss:PutBucketAcl",
    "oss:PutBucketInventory",
    "oss:PutBucketNotification",
    "oss:PutBucketPolicy",
    "oss:PutBucketVersioning",
    "oss:PutObject",
    "oss:PutObjectAcl",
    "oss:PutObjectTagging",
    "oss:PutSymlink",
    "oss:RestoreObject",
    "oss:StartEventRecord",
    "oss:StopEventRecord",
    "ram:AttachPolicyToRole",
    "ram:AttachPolicyToUser",
    "ram:CreatePolicy",
    "ram:CreateRole",
    "ram:DeleteRole",
    "ram:GetRole",
    "ram:ListRoles",
    "ram:PassRole",
    "sts:AssumeRole",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_unique_and_covering_every_emitted_action() {
        let mut sorted = KNOWN_ACTIONS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, KNOWN_ACTIONS);
        let emitted = crate::OPERATIONS
            .iter()
            .flat_map(|op| op.actions.iter().copied())
            .chain(crate::IMM_ACTIONS.iter().map(|a| a.name))
            .chain(crate::OSS_ALWAYS)
            .chain([
                crate::OSS_POST_PROCESS,
                crate::OSS_SAVE,
                crate::RAM_PASS_ROLE,
                crate::MNS_PUBLISH,
            ]);
        for action in emitted {
            assert!(KNOWN_ACTIONS.contains(&action), "{action}");
        }
    }
}
