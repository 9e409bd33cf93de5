/* The S3 operation table: one row per operation with what it answers
 * (method, bucket or object, sub-resources, copy source), who may call it
 * (IAM action, write role), how its body is read and its handler. Rows are
 * tried in order, so a more specific row comes before a more general one
 * ("?uploadId&partNumber" before a plain PUT). The table is the whole
 * dispatch: nothing else switches on the operation. */
#include "store/s3_int.h"

/* Sub-resources of features we do not implement: such requests answer
 * NotImplemented rather than fall through to ListObjects or PutObject. */
static const char *const bucket_get_unsupported[] = {
    "lifecycle", "cors", "tagging", "website", "logging", "notification", "replication",
    "encryption", "object-lock", "policyStatus", "ownershipControls", "accelerate",
    "requestPayment", "intelligent-tiering", "inventory", "metrics", "analytics", NULL};
static const char *const object_put_unsupported[] = {"tagging", "acl", "retention", "legal-hold",
                                                     NULL};

const s3_op_t lh__s3_op_unknown = {.name = "Unknown"};

const s3_op_t lh__s3_ops[] = {
    /* the service */
    {.name = "ListBuckets", .method = "GET", .target = S3_SERVICE, .auth = S3_AUTH_ROLE,
     .work = lh__s3_list_buckets},
    /* buckets */
    {.name = "HeadBucket", .method = "HEAD", .target = S3_BUCKET, .action = "s3:ListBucket",
     .work = lh__s3_head_bucket},
    {.name = "GetBucketLocation", .method = "GET", .target = S3_BUCKET, .sub = {"location"},
     .action = "s3:GetBucketLocation", .work = lh__s3_get_bucket_location},
    {.name = "GetBucketVersioning", .method = "GET", .target = S3_BUCKET, .sub = {"versioning"},
     .action = "s3:GetBucketVersioning", .work = lh__s3_get_bucket_versioning},
    {.name = "GetBucketPolicy", .method = "GET", .target = S3_BUCKET, .sub = {"policy"},
     .work = lh__s3_get_bucket_policy},
    {.name = "GetBucketAcl", .method = "GET", .target = S3_BUCKET, .sub = {"acl"},
     .work = lh__s3_get_acl},
    {.name = "ListObjectVersions", .method = "GET", .target = S3_BUCKET, .sub = {"versions"},
     .action = "s3:ListBucketVersions", .work = lh__s3_list_object_versions},
    {.name = "ListMultipartUploads", .method = "GET", .target = S3_BUCKET, .sub = {"uploads"},
     .action = "s3:ListBucketMultipartUploads", .work = lh__s3_list_multipart_uploads},
    {.name = "Unknown", .method = "GET", .target = S3_BUCKET, .any = bucket_get_unsupported},
    {.name = "ListObjectsV2", .method = "GET", .target = S3_BUCKET, .sub = {"list-type=2"},
     .action = "s3:ListBucket", .work = lh__s3_list_objects_v2},
    {.name = "ListObjects", .method = "GET", .target = S3_BUCKET, .action = "s3:ListBucket",
     .work = lh__s3_list_objects},
    {.name = "PutBucketPolicy", .method = "PUT", .target = S3_BUCKET, .sub = {"policy"},
     .needs_write = 1, .body = S3_BODY_SMALL, .work = lh__s3_put_bucket_policy},
    {.name = "PutBucketAcl", .method = "PUT", .target = S3_BUCKET, .sub = {"acl"},
     .needs_write = 1, .body = S3_BODY_SMALL, .work = lh__s3_put_bucket_acl},
    {.name = "PutBucketVersioning", .method = "PUT", .target = S3_BUCKET, .sub = {"versioning"},
     .needs_write = 1, .body = S3_BODY_SMALL, .work = lh__s3_put_bucket_versioning},
    {.name = "CreateBucket", .method = "PUT", .target = S3_BUCKET, .bare = 1,
     .auth = S3_AUTH_ROLE, .needs_write = 1, .body = S3_BODY_SMALL,
     .work = lh__s3_create_bucket},
    {.name = "DeleteBucketPolicy", .method = "DELETE", .target = S3_BUCKET, .sub = {"policy"},
     .needs_write = 1, .work = lh__s3_delete_bucket_policy},
    {.name = "DeleteBucket", .method = "DELETE", .target = S3_BUCKET, .bare = 1,
     .needs_write = 1, .work = lh__s3_delete_bucket},
    {.name = "DeleteObjects", .method = "POST", .target = S3_BUCKET, .sub = {"delete"},
     .action = "s3:DeleteObject", .needs_write = 1, .body = S3_BODY_SMALL,
     .work = lh__s3_delete_objects},
    /* objects */
    {.name = "ListParts", .method = "GET", .target = S3_OBJECT, .sub = {"uploadId"},
     .action = "s3:ListMultipartUploadParts", .work = lh__s3_list_parts},
    {.name = "GetObjectAcl", .method = "GET", .target = S3_OBJECT, .sub = {"acl"},
     .action = "s3:GetObject", .work = lh__s3_get_acl},
    {.name = "GetObject", .method = "GET", .target = S3_OBJECT, .action = "s3:GetObject",
     .start = lh__s3_get_start, .work = lh__s3_get_object},
    {.name = "HeadObject", .method = "HEAD", .target = S3_OBJECT, .action = "s3:GetObject",
     .start = lh__s3_get_start, .work = lh__s3_head_object},
    {.name = "UploadPartCopy", .method = "PUT", .target = S3_OBJECT,
     .sub = {"uploadId", "partNumber"}, .copy_source = 1, .action = "s3:PutObject",
     .needs_write = 1, .work = lh__s3_upload_part_copy},
    {.name = "UploadPart", .method = "PUT", .target = S3_OBJECT, .sub = {"uploadId", "partNumber"},
     .action = "s3:PutObject", .needs_write = 1, .body = S3_BODY_STREAM,
     .start = lh__s3_upload_part_start, .on_body = lh__s3_put_body,
     .on_body_end = lh__s3_put_end},
    {.name = "Unknown", .method = "PUT", .target = S3_OBJECT, .any = object_put_unsupported},
    {.name = "CopyObject", .method = "PUT", .target = S3_OBJECT, .copy_source = 1,
     .action = "s3:PutObject", .needs_write = 1, .work = lh__s3_copy_object},
    {.name = "PutObject", .method = "PUT", .target = S3_OBJECT, .action = "s3:PutObject",
     .needs_write = 1, .body = S3_BODY_STREAM, .start = lh__s3_put_object_start,
     .on_body = lh__s3_put_body, .on_body_end = lh__s3_put_end},
    {.name = "AbortMultipartUpload", .method = "DELETE", .target = S3_OBJECT,
     .sub = {"uploadId"}, .action = "s3:AbortMultipartUpload", .needs_write = 1,
     .work = lh__s3_abort_multipart_upload},
    {.name = "DeleteObject", .method = "DELETE", .target = S3_OBJECT, .action = "s3:DeleteObject",
     .needs_write = 1, .work = lh__s3_delete_object},
    {.name = "CreateMultipartUpload", .method = "POST", .target = S3_OBJECT, .sub = {"uploads"},
     .action = "s3:PutObject", .needs_write = 1, .work = lh__s3_create_multipart_upload},
    {.name = "CompleteMultipartUpload", .method = "POST", .target = S3_OBJECT,
     .sub = {"uploadId"}, .action = "s3:PutObject", .needs_write = 1, .body = S3_BODY_SMALL,
     .work = lh__s3_complete_multipart_upload},
};

const size_t lh__s3_nops = sizeof lh__s3_ops / sizeof lh__s3_ops[0];
