/* Object attributes: the JSON kept with each object (content headers, user
 * metadata x-amz-meta-*, checksums, canned ACL and owner, the part sizes of a
 * multipart object) built from request headers and turned back into response
 * headers; checksum negotiation from request headers; copying a stored body
 * into a new writer (CopyObject, UploadPartCopy). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/s3_int.h"

static const char *content_headers[] = {"content-type",
                                        "content-encoding",
                                        "cache-control",
                                        "content-disposition",
                                        "content-language",
                                        "expires",
                                        "x-amz-website-redirect-location",
                                        NULL};

/* Content-Encoding without the transport coding "aws-chunked". */
static void set_encoding(json_t *o, const char *v)
{
    char buf[256];
    size_t o_len = 0;
    const char *p = v;
    while (*p) {
        size_t n = strcspn(p, ",");
        const char *s = p, *e = p + n;
        while (s < e && *s == ' ')
            s++;
        while (e > s && e[-1] == ' ')
            e--;
        if ((size_t)(e - s) && !((size_t)(e - s) == 11 && !strncasecmp(s, "aws-chunked", 11)) &&
            o_len + (size_t)(e - s) + 2 < sizeof buf) {
            if (o_len) buf[o_len++] = ',';
            memcpy(buf + o_len, s, (size_t)(e - s));
            o_len += (size_t)(e - s);
        }
        p += n;
        if (*p) p++;
    }
    buf[o_len] = 0;
    if (o_len) json_object_set_new(o, "content-encoding", json_string(buf));
}

char *lh__s3_attrs_from_headers(const s3_req_t *r, const char *checksums_json)
{
    json_t *o = json_object();
    if (!o) return NULL;
    for (size_t i = 0; i < r->nhdr; i++) {
        const char *n = r->hdr[2 * i], *v = r->hdr[2 * i + 1];
        int keep = !strncmp(n, "x-amz-meta-", 11);
        for (int j = 0; !keep && content_headers[j]; j++)
            keep = !strcmp(n, content_headers[j]);
        if (!keep) continue;
        if (!strcmp(n, "content-encoding"))
            set_encoding(o, v);
        else
            json_object_set_new(o, n, json_string(v));
    }
    if (!json_object_get(o, "content-type"))
        json_object_set_new(o, "content-type", json_string("binary/octet-stream"));
    if (checksums_json) {
        json_t *c = json_loads(checksums_json, 0, NULL);
        if (c) json_object_set_new(o, "checksums", c);
    }
    if (r->acl > S3_ACL_PRIVATE)
        json_object_set_new(o, "acl", json_string(lh__s3_acl_name(r->acl)));
    if (r->acl_owner[0]) json_object_set_new(o, "owner", json_string(r->acl_owner));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

void lh__s3_attrs_to_headers(s3_req_t *r, const char *attrs, int with_checksums)
{
    json_t *o = attrs ? json_loads(attrs, 0, NULL) : NULL;
    const char *k;
    json_t *v;
    if (!o) return;
    json_object_foreach(o, k, v)
    {
        if (json_is_string(v) && strcmp(k, "owner") && strcmp(k, "acl"))
            lh__s3_set_hdr(r, k, json_string_value(v));
    }
    json_t *c = json_object_get(o, "checksums");
    if (with_checksums && c) {
        const char *algo = json_string_value(json_object_get(c, "algo"));
        const char *val = json_string_value(json_object_get(c, "value"));
        const char *type = json_string_value(json_object_get(c, "type"));
        int a = algo ? lh_cksum_algo_parse(algo, strlen(algo)) : 0;
        if (a && val) {
            lh__s3_set_hdr(r, lh__s3_cksum_header(a), val);
            if (type) lh__s3_set_hdr(r, "x-amz-checksum-type", type);
        }
    }
    json_decref(o);
}

const char *lh__s3_cksum_header(int algo)
{
    static const char *const names[LH_CK_COUNT] = {
        [LH_CK_CRC32] = "x-amz-checksum-crc32",         [LH_CK_CRC32C] = "x-amz-checksum-crc32c",
        [LH_CK_CRC64NVME] = "x-amz-checksum-crc64nvme", [LH_CK_SHA1] = "x-amz-checksum-sha1",
        [LH_CK_SHA256] = "x-amz-checksum-sha256",       [LH_CK_MD5] = "content-md5",
    };
    return algo > LH_CK_NONE && algo < LH_CK_COUNT ? names[algo] : "";
}

int lh__s3_checksum_setup(s3_req_t *r, s3_put_t *p)
{
    static const int algos[] = {LH_CK_CRC32, LH_CK_CRC32C, LH_CK_CRC64NVME, LH_CK_SHA1,
                                LH_CK_SHA256};
    int found = 0;
    for (size_t i = 0; i < sizeof algos / sizeof algos[0]; i++) {
        const char *v = lh__s3_hdr(r, lh__s3_cksum_header(algos[i]));
        if (!v) continue;
        if (found++) {
            lh__s3_error(r, "InvalidRequest", "Expecting a single x-amz-checksum- header");
            return -1;
        }
        p->ck_algo = algos[i];
        snprintf(p->ck_expect, sizeof p->ck_expect, "%s", v);
    }
    const char *tr = lh__s3_hdr(r, "x-amz-trailer");
    if (tr) {
        while (*tr == ' ')
            tr++;
        if (!strncasecmp(tr, "x-amz-checksum-", 15)) {
            int a = lh_cksum_algo_parse(tr + 15, strcspn(tr + 15, " ,"));
            if (!a || found) {
                lh__s3_error(r, "InvalidRequest",
                             "The value specified in the x-amz-trailer header is not supported");
                return -1;
            }
            p->ck_algo = a;
            p->ck_from_trailer = 1;
            found = 1;
        }
    }
    const char *sdk = lh__s3_hdr(r, "x-amz-sdk-checksum-algorithm");
    if (sdk && !found) {
        int a = lh_cksum_algo_parse(sdk, strlen(sdk));
        if (!a || a == LH_CK_MD5) {
            lh__s3_error(r, "InvalidRequest",
                         "Value for x-amz-sdk-checksum-algorithm header is invalid.");
            return -1;
        }
        p->ck_algo = a;
    }
    if (p->ck_algo && lh_cksum_init(&p->ck, p->ck_algo) != 0) {
        lh__s3_error(r, "InternalError", NULL);
        return -1;
    }
    return 0;
}

int lh__s3_copy_body(int fd, int64_t off, int64_t len, lh_store_writer_t *w, unsigned char *md5_out,
                     lh_cksum_t *ck, lh_err_t *err)
{
    lh_cksum_t md5;
    char *buf = malloc(1 << 20);
    if (!buf || lh_cksum_init(&md5, LH_CK_MD5) != 0) {
        free(buf);
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    }
    int rc = 0;
    while (len > 0 && !rc) {
        size_t want = len > (1 << 20) ? (1 << 20) : (size_t)len;
        ssize_t n = pread(fd, buf, want, off);
        if (n <= 0) {
            rc = lh_err_set(err, LH_EIO, "cannot read source object");
            break;
        }
        lh_cksum_update(&md5, buf, (size_t)n);
        if (ck && ck->algo) lh_cksum_update(ck, buf, (size_t)n);
        rc = lh_store_put_write(w, buf, (size_t)n, err);
        off += n;
        len -= n;
    }
    unsigned char tmp[32];
    lh_cksum_final(&md5, md5_out ? md5_out : tmp);
    free(buf);
    return rc;
}

int lh__s3_key_absent(s3_req_t *r)
{
    lh_store_meta_t m = {0};
    int rc = lh_store_head(r->s3->st, r->bucket, r->key, r->key_len, &m, NULL);
    lh_store_meta_clear(&m);
    return rc == LH_ENOENT;
}

int lh__s3_version_param(s3_req_t *r, const char **vid)
{
    *vid = lh__s3_query(r, "versionId");
    if (!*vid) return 0;
    if (lh_store_version_id_valid(*vid)) return 1;
    lh__s3_error(r, "InvalidArgument", "Invalid version id specified");
    return -1;
}

void lh__s3_version_header(s3_req_t *r, const char *vid)
{
    if (vid[0]) lh__s3_set_hdr(r, "x-amz-version-id", vid);
}

int lh__s3_part_number(s3_req_t *r)
{
    int64_t pn;
    const char *v = lh__s3_query(r, "partNumber");
    if (!v || lh_parse_i64(v, &pn) != 0 || pn < 1 || pn > 10000) {
        lh__s3_error(r, "InvalidArgument",
                     "Part number must be an integer between 1 and 10000, inclusive");
        return -1;
    }
    return (int)pn;
}

int lh__s3_attrs_parts(const char *attrs, int64_t **sizes, int *n)
{
    json_t *o = attrs && strstr(attrs, "\"parts\"") ? json_loads(attrs, 0, NULL) : NULL;
    json_t *runs = json_object_get(o, "parts"), *run;
    size_t i;
    int64_t total = 0;
    *sizes = NULL;
    *n = 0;
    json_array_foreach(runs, i, run)
    {
        total += json_integer_value(json_array_get(run, 1));
    }
    if (total <= 0 || total > 10000) {
        json_decref(o);
        return 0;
    }
    if (!(*sizes = malloc((size_t)total * sizeof **sizes))) {
        json_decref(o);
        return LH_ENOMEM;
    }
    json_array_foreach(runs, i, run)
    {
        int64_t size = json_integer_value(json_array_get(run, 0));
        for (int64_t k = json_integer_value(json_array_get(run, 1)); k > 0; k--)
            (*sizes)[(*n)++] = size;
    }
    json_decref(o);
    return 0;
}
