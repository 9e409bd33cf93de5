/* Multipart uploads: CreateMultipartUpload (with a checksum algorithm and
 * type, a canned ACL), UploadPartCopy (with a source range), CompleteMultipartUpload (parts
 * validated in order, 5 MiB minimum except the last, ETag md5-of-part-md5s-N,
 * COMPOSITE and FULL_OBJECT checksums, conditional writes; the part sizes
 * kept with the object; a retry with the same parts after success answers
 * the same) and Abort. UploadPart itself streams through s3_put.c. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/notify.h"
#include "core/xml.h"
#include "store/s3_int.h"

#define MIN_PART ((int64_t)5 << 20)

void lh__s3_create_multipart_upload(s3_req_t *r)
{
    lh_err_t err = {0};
    lh_store_bucket_t info = {0};
    char uid[64];
    if (lh__s3_authorize(r, r->bucket, "s3:PutObject", r->key, r->key_len, &info)) return;
    int bad_acl = lh__s3_write_acl(r, &info); /* kept in the upload's attrs */
    lh_store_bucket_clear(&info);
    if (bad_acl) return;
    const char *ca = lh__s3_hdr(r, "x-amz-checksum-algorithm");
    const char *ct = lh__s3_hdr(r, "x-amz-checksum-type");
    int algo = ca ? lh_cksum_algo_parse(ca, strlen(ca)) : 0;
    if ((ca && (!algo || algo == LH_CK_MD5)) ||
        (ct && strcasecmp(ct, "COMPOSITE") && strcasecmp(ct, "FULL_OBJECT"))) {
        lh__s3_error(r, "InvalidRequest", "Checksum algorithm or type is invalid");
        return;
    }
    int full = ct ? !strcasecmp(ct, "FULL_OBJECT") : algo == LH_CK_CRC64NVME;
    if (algo && full && (algo == LH_CK_SHA1 || algo == LH_CK_SHA256)) {
        lh__s3_error(r, "InvalidRequest",
                     "The FULL_OBJECT checksum type is not supported for this algorithm");
        return;
    }
    if (algo && !full && algo == LH_CK_CRC64NVME) {
        lh__s3_error(r, "InvalidRequest",
                     "The COMPOSITE checksum type is not supported for CRC64NVME");
        return;
    }
    char *attrs = lh__s3_attrs_from_headers(r, NULL);
    json_t *o = attrs ? json_loads(attrs, 0, NULL) : NULL;
    free(attrs);
    if (o && algo)
        json_object_set_new(o, "mpu_checksum",
                            json_pack("{s:s,s:s}", "algo", lh_cksum_algo_name(algo), "type",
                                      full ? "FULL_OBJECT" : "COMPOSITE"));
    attrs = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    int rc = lh_store_mpu_create(r->s3->st, r->bucket, r->key, r->key_len, attrs, uid, &err);
    free(attrs);
    if (rc) {
        lh__s3_error_from(r, rc, &err);
        return;
    }
    lh_buf_t *b = &r->resp_body;
    lh__s3_xml_begin(b, "InitiateMultipartUploadResult");
    lh__s3_xml_elem(b, "Bucket", r->bucket);
    lh__s3_xml_elemn(b, "Key", r->key, r->key_len);
    lh__s3_xml_elem(b, "UploadId", uid);
    lh_buf_puts(b, "</InitiateMultipartUploadResult>");
    lh__s3_set_hdr(r, "Content-Type", "application/xml");
    if (algo) {
        lh__s3_set_hdr(r, "x-amz-checksum-algorithm", lh_cksum_algo_name(algo));
        lh__s3_set_hdr(r, "x-amz-checksum-type", full ? "FULL_OBJECT" : "COMPOSITE");
    }
    r->status = 200;
}

/* Finds the upload for this key into u: 0, or the engine's error in err
 * (LH_ENOENT "no such upload" also for another key's upload). */
static int find_upload(s3_req_t *r, lh_store_mpu_t *u, lh_err_t *err)
{
    int rc = lh_store_mpu_get(r->s3->st, r->bucket, lh__s3_query(r, "uploadId"), u, err);
    if (!rc && (u->key_len != r->key_len || memcmp(u->key, r->key, r->key_len))) {
        lh_store_mpu_clear(u);
        rc = lh_err_set(err, LH_ENOENT, "no such upload");
    }
    return rc;
}

/* Checks the upload exists for this key; fills u. 0 or -1 (error prepared). */
static int get_upload(s3_req_t *r, lh_store_mpu_t *u)
{
    lh_err_t err = {0};
    int rc = find_upload(r, u, &err);
    if (rc) {
        lh__s3_error_from(r, rc, &err);
        return -1;
    }
    return 0;
}

void lh__s3_abort_multipart_upload(s3_req_t *r)
{
    lh_err_t err = {0};
    lh_store_mpu_t u = {0};
    if (lh__s3_authorize(r, r->bucket, "s3:AbortMultipartUpload", r->key, r->key_len, NULL) ||
        get_upload(r, &u))
        return;
    lh_store_mpu_clear(&u);
    int rc = lh_store_mpu_abort(r->s3->st, r->bucket, lh__s3_query(r, "uploadId"), &err);
    lh__s3_result(r, rc, &err, 204);
}

void lh__s3_upload_part_copy(s3_req_t *r)
{
    lh_err_t err = {0};
    lh_store_meta_t sm = {0};
    lh_store_mpu_t u = {0};
    lh_store_writer_t *w = NULL;
    int fd = -1, same = 0, rc;
    int pn = lh__s3_part_number(r);
    if (pn < 0 || lh__s3_open_copy_source(r, &sm, &fd, &same)) return;
    if (get_upload(r, &u)) goto done;
    int64_t off = 0, len = sm.size;
    const char *range = lh__s3_hdr(r, "x-amz-copy-source-range");
    if (range) {
        long long a, b;
        char extra;
        if (sscanf(range, "bytes=%lld-%lld%c", &a, &b, &extra) != 2 || a < 0 || b < a) {
            lh__s3_error(
                r, "InvalidArgument",
                "The x-amz-copy-source-range value must be of the form bytes=first-last where "
                "first and last are the zero-based offsets of the first and last bytes to copy");
            goto done;
        }
        if (b >= sm.size) {
            char msg[96];
            snprintf(msg, sizeof msg,
                     "The requested range is not satisfiable: bytes=%lld-%lld/%lld", a, b,
                     (long long)sm.size);
            lh__s3_error(r, "InvalidRange", msg);
            goto done;
        }
        off = a;
        len = b - a + 1;
    }
    unsigned char md5[16];
    char etag[40];
    rc = lh_store_part_begin(r->s3->st, r->bucket, lh__s3_query(r, "uploadId"), &w, &err);
    if (!rc) rc = lh__s3_copy_body(fd, off, len, w, md5, NULL, &err);
    if (!rc) {
        lh_hex(md5, 16, etag);
        rc = lh_store_part_commit(w, pn, etag, NULL, &err);
        w = NULL;
    }
    if (rc) {
        lh__s3_error_from(r, rc, &err);
        goto done;
    }
    lh__s3_copy_result(r, "CopyPartResult", etag);
    lh_buf_puts(&r->resp_body, "</CopyPartResult>");
done:
    if (w) lh_store_put_abort(w);
    if (fd >= 0) close(fd);
    lh_store_meta_clear(&sm);
    lh_store_mpu_clear(&u);
}

/* ---- CompleteMultipartUpload ---- */

typedef struct {
    int number;
    const char *etag;
} want_part_t;

static void strip_quotes(const char *s, char *out, size_t cap)
{
    size_t n = strlen(s);
    while (n && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') s++, n -= 2;
    snprintf(out, cap, "%.*s", (int)n, s);
}

/* Part checksum from its attrs JSON into raw bytes; length or 0. */
static size_t part_checksum(const char *attrs, int algo, unsigned char *raw)
{
    json_t *o = attrs ? json_loads(attrs, 0, NULL) : NULL;
    const char *a = o ? json_string_value(json_object_get(o, "algo")) : NULL;
    const char *v = o ? json_string_value(json_object_get(o, "value")) : NULL;
    long n = -1;
    if (a && v && lh_cksum_algo_parse(a, strlen(a)) == algo)
        n = lh_base64_decode(v, strlen(v), raw, 32);
    json_decref(o);
    return n > 0 ? (size_t)n : 0;
}

/* Final checksum of the object from the parts; "" when the upload has none.
 * Returns -1 with the error prepared when a part lacks its checksum. */
static int final_checksum(s3_req_t *r, json_t *mc, const lh_store_part_t **sel, int n, char *b64,
                          size_t cap, const char **algo_name, const char **type)
{
    b64[0] = 0;
    if (!mc) return 0;
    *algo_name = json_string_value(json_object_get(mc, "algo"));
    *type = json_string_value(json_object_get(mc, "type"));
    int algo = *algo_name ? lh_cksum_algo_parse(*algo_name, strlen(*algo_name)) : 0;
    int full = *type && !strcmp(*type, "FULL_OBJECT");
    if (!algo) return 0;
    lh_cksum_t comp;
    uint64_t crc = 0;
    if (!full && lh_cksum_init(&comp, algo) != 0) return -1;
    for (int i = 0; i < n; i++) {
        unsigned char raw[32];
        size_t len = part_checksum(sel[i]->attrs, algo, raw);
        if (!len) {
            if (!full) lh_cksum_free(&comp);
            lh__s3_error(r, "InvalidRequest",
                         "a part was uploaded without the checksum of the upload's algorithm");
            return -1;
        }
        if (full)
            crc =
                i ? lh_crc_combine(algo, crc, lh_crc_from_bytes(algo, raw), (uint64_t)sel[i]->size)
                  : lh_crc_from_bytes(algo, raw);
        else
            lh_cksum_update(&comp, raw, len);
    }
    unsigned char out[32];
    size_t len;
    if (full) {
        lh_crc_to_bytes(algo, crc, out);
        len = lh_cksum_len(algo);
        lh_base64_encode(out, len, b64);
    } else {
        len = lh_cksum_final(&comp, out);
        size_t k = lh_base64_encode(out, len, b64);
        snprintf(b64 + k, cap - k, "-%d", n);
    }
    return 0;
}

/* A <ChecksumXXX> given for a part in the Complete body must equal the stored one. */
static int part_checksum_matches(const lh_xml_node_t *p, const lh_store_part_t *found)
{
    for (const lh_xml_node_t *c = p->child; c; c = c->next) {
        if (strncmp(c->name, "Checksum", 8) || !strcmp(c->name, "ChecksumType")) continue;
        int algo = lh_cksum_algo_parse(c->name + 8, strlen(c->name + 8));
        unsigned char want[32], have[32];
        char v[96];
        strip_quotes(c->text, v, sizeof v);
        long n = lh_base64_decode(v, strlen(v), want, sizeof want);
        size_t m = algo ? part_checksum(found->attrs, algo, have) : 0;
        if (!algo || n <= 0 || (size_t)n != m || memcmp(want, have, m)) return 0;
    }
    return 1;
}

/* Validates the requested parts against the stored ones. 0 or -1. */
static int select_parts(s3_req_t *r, const lh_xml_node_t *root, lh_store_part_t *parts, int np,
                        const lh_store_part_t **sel, int *nsel, int *numbers)
{
    int last = 0, n = 0;
    for (const lh_xml_node_t *p = lh_xml_child(root, "Part"); p; p = lh_xml_next(p, "Part")) {
        const lh_xml_node_t *num = lh_xml_child(p, "PartNumber"), *et = lh_xml_child(p, "ETag");
        int64_t pn;
        char etag[80];
        if (!num || !et || lh_parse_i64(num->text, &pn) != 0 || pn < 1 || pn > 10000 ||
            n >= 10000) {
            lh__s3_error(r, "MalformedXML", NULL);
            return -1;
        }
        if (pn <= last) {
            lh__s3_error(r, "InvalidPartOrder", NULL);
            return -1;
        }
        last = (int)pn;
        strip_quotes(et->text, etag, sizeof etag);
        const lh_store_part_t *found = NULL;
        for (int i = 0; i < np && !found; i++)
            if (parts[i].part_number == pn) found = &parts[i];
        if (!found || strcmp(found->etag, etag) || !part_checksum_matches(p, found)) {
            lh__s3_error(r, "InvalidPart", NULL);
            return -1;
        }
        sel[n] = found;
        numbers[n++] = (int)pn;
    }
    if (n == 0) {
        lh__s3_error(r, "MalformedXML", "You must specify at least one part");
        return -1;
    }
    for (int i = 0; i + 1 < n; i++)
        if (sel[i]->size < MIN_PART) {
            lh__s3_error(r, "EntityTooSmall", NULL);
            return -1;
        }
    *nsel = n;
    return 0;
}

/* One CompleteMultipartUpload: what it found and what it holds until done. */
typedef struct {
    lh_store_mpu_t u;
    lh_store_part_t *parts; /* every stored part */
    int np;
    const lh_store_part_t **sel; /* the parts the request names, in order */
    int *numbers;
    int nsel;
    json_t *attrs; /* the final object's attrs */
    json_t *mc;    /* the upload's mpu_checksum: owns algo_name, type */
    const char *algo_name, *type;
    char ck[96]; /* final checksum, "" when none */
    lh_store_meta_t m;
    lh_arena_t *a;
    char digest[65]; /* of the part list asked for (number, ETag): a retry must match it */
    json_t *record;  /* what a retry is answered from (owns algo_name, type then) */
} complete_t;

static void complete_free(complete_t *c)
{
    json_decref(c->record);
    json_decref(c->mc);
    json_decref(c->attrs);
    free(c->sel);
    free(c->numbers);
    lh_store_parts_free(c->parts, c->np);
    lh_store_mpu_clear(&c->u);
    lh_arena_free(c->a);
}

/* Reads the stored parts and selects the ones the body names. 0 or -1. */
static int complete_parts(s3_req_t *r, complete_t *c, const lh_xml_node_t *root)
{
    lh_err_t err = {0};
    int trunc = 0;
    int rc = lh_store_mpu_parts(r->s3->st, r->bucket, lh__s3_query(r, "uploadId"), 0, 0, &c->parts,
                                &c->np, &trunc, &err);
    if (rc) {
        lh__s3_error_from(r, rc, &err);
        return -1;
    }
    c->sel = calloc(10000, sizeof *c->sel);
    c->numbers = calloc(10000, sizeof *c->numbers);
    if (!c->sel || !c->numbers) return -1;
    return select_parts(r, root, c->parts, c->np, c->sel, &c->nsel, c->numbers);
}

/* ETag: md5 of the concatenated binary part md5s, "-N". */
static void complete_etag(complete_t *c)
{
    lh_cksum_t md5;
    unsigned char raw[16], d[16];
    lh_cksum_init(&md5, LH_CK_MD5);
    for (int i = 0; i < c->nsel; i++) {
        for (int j = 0; j < 16; j++)
            sscanf(c->sel[i]->etag + 2 * j, "%2hhx", &raw[j]);
        lh_cksum_update(&md5, raw, 16);
    }
    lh_cksum_final(&md5, d);
    lh_hex(d, 16, c->m.etag);
    snprintf(c->m.etag + 32, sizeof c->m.etag - 32, "-%d", c->nsel);
}

/* The final object's attrs and checksum, checked against one the client
 * sent. 0 or -1 with the error prepared. */
static int complete_checksum(s3_req_t *r, complete_t *c)
{
    c->attrs = c->u.attrs ? json_loads(c->u.attrs, 0, NULL) : json_object();
    if (!c->attrs) c->attrs = json_object();
    c->mc = json_incref(json_object_get(c->attrs, "mpu_checksum"));
    json_object_del(c->attrs, "mpu_checksum");
    if (final_checksum(r, c->mc, c->sel, c->nsel, c->ck, sizeof c->ck, &c->algo_name, &c->type))
        return -1;
    if (c->ck[0] && c->algo_name) {
        int ca = lh_cksum_algo_parse(c->algo_name, strlen(c->algo_name));
        const char *given = lh__s3_hdr(r, lh__s3_cksum_header(ca));
        if (given && strcmp(given, c->ck)) {
            char msg[160];
            snprintf(msg, sizeof msg, "The %s you specified did not match the calculated checksum.",
                     c->algo_name);
            lh__s3_error(r, "BadDigest", msg);
            return -1;
        }
    }
    if (c->ck[0])
        json_object_set_new(
            c->attrs, "checksums",
            json_pack("{s:s,s:s,s:s}", "algo", c->algo_name, "value", c->ck, "type", c->type));
    return 0;
}

/* The part layout the object keeps in its attrs for GetObject partNumber
 * and GetObjectAttributes: runs of [size, count], and each part's checksum
 * when the upload had an algorithm. */
static void complete_layout(complete_t *c)
{
    json_t *runs = json_array(), *cks = c->ck[0] ? json_array() : NULL;
    for (int i = 0; i < c->nsel; i++) {
        json_t *last = json_array_get(runs, json_array_size(runs) - 1);
        if (last && json_integer_value(json_array_get(last, 0)) == c->sel[i]->size)
            json_array_set_new(last, 1,
                               json_integer(json_integer_value(json_array_get(last, 1)) + 1));
        else
            json_array_append_new(runs, json_pack("[I,i]", (json_int_t)c->sel[i]->size, 1));
        json_t *pa = cks && c->sel[i]->attrs ? json_loads(c->sel[i]->attrs, 0, NULL) : NULL;
        const char *v = json_string_value(json_object_get(pa, "value"));
        if (cks) json_array_append_new(cks, json_string(v ? v : ""));
        json_decref(pa);
    }
    json_object_set_new(c->attrs, "parts", runs);
    if (cks) json_object_set_new(c->attrs, "part_checksums", cks);
}

/* The SHA-256 (hex) of the part list of the request body: "number:etag\n"
 * per part, ETags without quotes. */
static void parts_digest(const lh_xml_node_t *root, char *hex)
{
    lh_cksum_t d;
    unsigned char raw[32];
    lh_cksum_init(&d, LH_CK_SHA256);
    for (const lh_xml_node_t *p = lh_xml_child(root, "Part"); p; p = lh_xml_next(p, "Part")) {
        const lh_xml_node_t *num = lh_xml_child(p, "PartNumber"), *et = lh_xml_child(p, "ETag");
        char etag[80], line[128];
        strip_quotes(et ? et->text : "", etag, sizeof etag);
        int n = snprintf(line, sizeof line, "%s:%s\n", num ? num->text : "", etag);
        lh_cksum_update(&d, line, n > 0 && n < (int)sizeof line ? (size_t)n : 0);
    }
    lh_cksum_final(&d, raw);
    lh_hex(raw, 32, hex);
}

/* The record kept with the completed upload: the part list's digest and
 * the answer's checksum. malloc'd JSON. */
static char *complete_record(const complete_t *c)
{
    json_t *o = json_pack("{s:s}", "parts", c->digest);
    if (o && c->ck[0])
        json_object_update_new(o, json_pack("{s:s,s:s,s:s}", "ck", c->ck, "algo", c->algo_name,
                                            "type", c->type ? c->type : ""));
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

/* A retried CompleteMultipartUpload of an upload completed before with the
 * same part list gets the same answer. 0 with c ready for complete_reply,
 * or -1 (not such a retry: the caller answers NoSuchUpload). */
static int complete_retry(s3_req_t *r, complete_t *c)
{
    lh_err_t err = {0};
    lh_store_mpu_done_t d = {0};
    if (lh_store_mpu_done_get(r->s3->st, r->bucket, lh__s3_query(r, "uploadId"), &d, &err))
        return -1;
    c->record = json_loads(d.record, 0, NULL);
    const char *parts = json_string_value(json_object_get(c->record, "parts"));
    const char *ck = json_string_value(json_object_get(c->record, "ck"));
    int same = d.key_len == r->key_len && !memcmp(d.key, r->key, r->key_len) && parts &&
               !strcmp(parts, c->digest);
    if (same) {
        snprintf(c->m.etag, sizeof c->m.etag, "%s", d.etag);
        snprintf(c->m.version_id, sizeof c->m.version_id, "%s", d.version_id);
        lh__s3_version_header(r, d.version_id);
        snprintf(c->ck, sizeof c->ck, "%s", ck ? ck : "");
        c->algo_name = json_string_value(json_object_get(c->record, "algo"));
        c->type = json_string_value(json_object_get(c->record, "type"));
    }
    lh_store_mpu_done_clear(&d);
    return same ? 0 : -1;
}

/* Publishes the object under the request's conditions. 0 or -1. */
static int complete_publish(s3_req_t *r, complete_t *c)
{
    lh_err_t err = {0};
    lh_store_put_cond_t cond = {0};
    char imbuf[80];
    const char *inm = lh__s3_hdr(r, "if-none-match"), *im = lh__s3_hdr(r, "if-match");
    cond.if_none_match_any = inm && !strcmp(inm, "*");
    if (im) {
        strip_quotes(im, imbuf, sizeof imbuf);
        cond.if_match = imbuf;
    }
    complete_layout(c);
    c->m.attrs = json_dumps(c->attrs, JSON_COMPACT);
    char *record = complete_record(c);
    int rc = c->m.attrs && record ? 0 : lh_err_set(&err, LH_ENOMEM, "out of memory");
    if (!rc)
        rc = lh_store_mpu_complete(r->s3->st, r->bucket, lh__s3_query(r, "uploadId"), c->numbers,
                                   c->nsel, &c->m, &cond, record, &err);
    free(record);
    free(c->m.attrs);
    c->m.attrs = NULL;
    if (rc == LH_EPRECOND && cond.if_match && lh__s3_key_absent(r))
        rc = lh_err_set(&err, LH_ENOENT, "no such key");
    if (rc == LH_ENOENT && strstr(err.msg, "upload") && complete_retry(r, c) == 0)
        return 0; /* a concurrent completion with the same parts won */
    if (rc) {
        lh__s3_error_from(r, rc, &err);
        return -1;
    }
    lh__s3_version_header(r, c->m.version_id);
    return 0;
}

static void complete_reply(s3_req_t *r, complete_t *c)
{
    lh_buf_t *b = &r->resp_body;
    lh__s3_xml_begin(b, "CompleteMultipartUploadResult");
    const char *host = lh__s3_hdr(r, "host");
    char *loc = lh_arena_printf(c->a, "http://%s/%s/%.*s", host ? host : "localhost", r->bucket,
                                (int)r->key_len, r->key);
    lh__s3_xml_elem(b, "Location", loc ? loc : "");
    lh__s3_xml_elem(b, "Bucket", r->bucket);
    lh__s3_xml_elemn(b, "Key", r->key, r->key_len);
    lh_buf_printf(b, "<ETag>&quot;%s&quot;</ETag>", c->m.etag);
    if (c->ck[0]) {
        char tag[32];
        snprintf(tag, sizeof tag, "Checksum%s", c->algo_name);
        lh__s3_xml_elem(b, tag, c->ck);
        lh__s3_xml_elem(b, "ChecksumType", c->type);
    }
    lh_buf_puts(b, "</CompleteMultipartUploadResult>");
    lh__s3_set_hdr(r, "Content-Type", "application/xml");
    r->status = 200;
    lh_notify_object_created(r->bucket, r->key, r->key_len);
}

void lh__s3_complete_multipart_upload(s3_req_t *r)
{
    complete_t c = {0};
    lh_err_t err = {0};
    lh_xml_node_t *root = NULL;
    c.a = lh_arena_new(16384);
    if (!c.a || lh__s3_authorize(r, r->bucket, "s3:PutObject", r->key, r->key_len, NULL)) goto done;
    if (lh_xml_parse(c.a, r->body.ptr ? r->body.ptr : "", r->body.len, &root, &err) != 0 || !root ||
        strcmp(root->name, "CompleteMultipartUpload")) {
        lh__s3_error(r, "MalformedXML", NULL);
        goto done;
    }
    parts_digest(root, c.digest);
    int rc = find_upload(r, &c.u, &err);
    if (rc == LH_ENOENT && strstr(err.msg, "upload") && complete_retry(r, &c) == 0) {
        complete_reply(r, &c); /* a retry of a completion that succeeded */
        goto done;
    }
    if (rc) {
        lh__s3_error_from(r, rc, &err);
        goto done;
    }
    if (complete_parts(r, &c, root)) goto done;
    complete_etag(&c);
    if (complete_checksum(r, &c) || complete_publish(r, &c)) goto done;
    complete_reply(r, &c);
done:
    complete_free(&c);
}
