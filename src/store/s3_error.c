/* S3 errors: the table of S3 error codes with their HTTP status and default
 * message, the XML <Error> body (with RequestId and Resource), and the mapping
 * from engine error codes. Also small XML writing helpers for responses. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/timefmt.h"
#include "store/s3_int.h"

typedef struct {
    const char *code;
    int status;
    const char *message;
} s3_error_t;

static const s3_error_t errors[] = {
    {"AccessDenied", 403, "Access Denied."},
    {"AuthorizationHeaderMalformed", 400, "The authorization header is malformed."},
    {"AuthorizationQueryParametersError", 400, "Error parsing the X-Amz-Credential parameter."},
    {"BadDigest", 400, "The Content-MD5 you specified did not match what we received."},
    {"BucketAlreadyExists", 409, "The requested bucket name is not available."},
    {"BucketAlreadyOwnedByYou", 409,
     "Your previous request to create the named bucket succeeded and you already own it."},
    {"BucketNotEmpty", 409, "The bucket you tried to delete is not empty."},
    {"EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed object size."},
    {"EntityTooSmall", 400,
     "Your proposed upload is smaller than the minimum allowed object size."},
    {"IncompleteBody", 400,
     "You did not provide the number of bytes specified by the Content-Length HTTP header."},
    {"InternalError", 500, "We encountered an internal error. Please try again."},
    {"IllegalVersioningConfigurationException", 400,
     "The versioning configuration specified in the request is invalid."},
    {"InvalidAccessKeyId", 403,
     "The AWS Access Key Id you provided does not exist in our records."},
    {"InvalidArgument", 400, "Invalid Argument."},
    {"InvalidBucketName", 400, "The specified bucket is not valid."},
    {"InvalidDigest", 400, "The Content-MD5 you specified is not valid."},
    {"InvalidPart", 400,
     "One or more of the specified parts could not be found. The part may not have been uploaded, "
     "or the specified entity tag may not match the part's entity tag."},
    {"InvalidPartOrder", 400,
     "The list of parts was not in ascending order. Parts must be ordered by part number."},
    {"InvalidRange", 416, "The requested range is not satisfiable"},
    {"InvalidRequest", 400, "Invalid Request."},
    {"InvalidURI", 400, "Couldn't parse the specified URI."},
    {"KeyTooLongError", 400, "Your key is too long."},
    {"MalformedPolicy", 400, "Policies must be valid JSON and the first byte must be '{'"},
    {"MalformedXML", 400,
     "The XML you provided was not well-formed or did not validate against our published schema."},
    {"MethodNotAllowed", 405, "The specified method is not allowed against this resource."},
    {"MissingContentLength", 411, "You must provide the Content-Length HTTP header."},
    {"NoSuchBucket", 404, "The specified bucket does not exist."},
    {"NoSuchBucketPolicy", 404, "The bucket policy does not exist."},
    {"NoSuchKey", 404, "The specified key does not exist."},
    {"NoSuchLifecycleConfiguration", 404, "The lifecycle configuration does not exist."},
    {"NoSuchUpload", 404,
     "The specified multipart upload does not exist. The upload ID might be invalid, or the "
     "multipart upload might have been aborted or completed."},
    {"NoSuchVersion", 404, "The specified version does not exist."},
    {"NotImplemented", 501, "A header you provided implies functionality that is not implemented."},
    {"NotModified", 304, "Not Modified"},
    {"PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold."},
    {"RequestTimeTooSkewed", 403,
     "The difference between the request time and the server's time is too large."},
    {"SignatureDoesNotMatch", 403,
     "The request signature we calculated does not match the signature you provided. Check your "
     "key and signing method."},
    {"XAmzContentSHA256Mismatch", 400,
     "The provided 'x-amz-content-sha256' header does not match what was computed."},
    {"InvalidObjectState", 403, "The operation is not valid for the current state of the object."},
    {"ConditionalRequestConflict", 409, "A conflicting operation occurred."},
    {"SlowDown", 503, "Please reduce your request rate."},
    {"InvalidPartNumber", 416, "The requested partnumber is not satisfiable"},
    {"AccessControlListNotSupported", 400, "The bucket does not allow ACLs"},
    {"InvalidBucketAclWithObjectOwnership", 400,
     "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting"},
    {"OwnershipControlsNotFoundError", 404, "The bucket ownership controls were not found"},
    {"NoSuchPublicAccessBlockConfiguration", 404,
     "The public access block configuration was not found"},
    {"MissingSecurityHeader", 400, "Your request is missing a required header."},
};

static const s3_error_t *find(const char *code)
{
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
        if (!strcmp(errors[i].code, code)) return &errors[i];
    return NULL;
}

int lh__s3_error_status(const char *code)
{
    const s3_error_t *e = find(code);
    return e ? e->status : 400;
}

void lh__s3_xml_begin(lh_buf_t *b, const char *root)
{
    lh_buf_reset(b);
    lh_buf_printf(b,
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%s "
                  "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">",
                  root);
}

void lh__s3_xml_elemn(lh_buf_t *b, const char *name, const char *text, size_t n)
{
    lh_buf_printf(b, "<%s>", name);
    lh_buf_xml_escape(b, text, n);
    lh_buf_printf(b, "</%s>", name);
}

void lh__s3_xml_elem(lh_buf_t *b, const char *name, const char *text)
{
    lh__s3_xml_elemn(b, name, text, strlen(text));
}

void lh__s3_error(s3_req_t *r, const char *code, const char *msg)
{
    const s3_error_t *e = find(code);
    lh_buf_t *b = &r->resp_body;
    r->status = e ? e->status : 400;
    r->failed = 1;
    if (!msg) msg = e ? e->message : code;
    lh_buf_reset(b);
    lh_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
    lh__s3_xml_elem(b, "Code", code);
    lh__s3_xml_elem(b, "Message", msg);
    if (r->key) lh__s3_xml_elemn(b, "Key", r->key, r->key_len);
    if (r->bucket[0]) lh__s3_xml_elem(b, "BucketName", r->bucket);
    if (r->resource) lh__s3_xml_elem(b, "Resource", r->resource);
    lh__s3_xml_elem(b, "RequestId", r->reqid);
    lh__s3_xml_elem(b, "HostId", r->reqid);
    lh_buf_puts(b, "</Error>");
    lh_buf_reset(&r->resp_hdrs);
    lh__s3_set_hdr(r, "Content-Type", "application/xml");
    if (r->resp_fd >= 0) {
        close(r->resp_fd);
        r->resp_fd = -1;
    }
}

void lh__s3_error_from(s3_req_t *r, int rc, const lh_err_t *err)
{
    const char *m = err && err->msg[0] ? err->msg : "";
    switch (rc) {
    case LH_ENOENT:
        if (strstr(m, "bucket"))
            lh__s3_error(r, "NoSuchBucket", NULL);
        else if (strstr(m, "upload"))
            lh__s3_error(r, "NoSuchUpload", NULL);
        else if (strstr(m, "version"))
            lh__s3_error(r, "NoSuchVersion", NULL);
        else
            lh__s3_error(r, "NoSuchKey", NULL);
        break;
    case LH_EPRECOND:
        lh__s3_error(r, "PreconditionFailed", NULL);
        break;
    case LH_EEXIST:
        lh__s3_error(r, "BucketAlreadyOwnedByYou", NULL);
        break;
    case LH_ENOTEMPTY:
        lh__s3_error(r, "BucketNotEmpty", NULL);
        break;
    case LH_EINVAL:
        lh__s3_error(r, "InvalidArgument", m[0] ? m : NULL);
        break;
    case LH_ETOOBIG:
        lh__s3_error(r, "EntityTooLarge", NULL);
        break;
    case LH_EPERM:
        lh__s3_error(r, "AccessDenied", NULL);
        break;
    case LH_ECONFLICT:
        lh__s3_error(r, "ConditionalRequestConflict", NULL);
        break;
    default:
        lh_log(LH_LOG_ERROR, r->reqid, "internal error %s: %s", lh_strerror(rc), m);
        lh__s3_error(r, "InternalError", NULL);
    }
}

void lh__s3_result(s3_req_t *r, int rc, const lh_err_t *err, int status)
{
    if (rc)
        lh__s3_error_from(r, rc, err);
    else
        r->status = status;
}

void lh__s3_copy_result(s3_req_t *r, const char *root, const char *etag)
{
    char ts[40];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    lh_time_iso8601_format((int64_t)now.tv_sec * 1000000000 + now.tv_nsec, 3, ts, sizeof ts);
    lh__s3_xml_begin(&r->resp_body, root);
    lh__s3_xml_elem(&r->resp_body, "LastModified", ts);
    lh_buf_printf(&r->resp_body, "<ETag>&quot;%s&quot;</ETag>", etag);
    lh__s3_set_hdr(r, "Content-Type", "application/xml");
    r->status = 200;
}
