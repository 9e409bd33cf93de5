/* GetObjectAttributes (GET /bucket/key?attributes): the attributes named in
 * x-amz-object-attributes (ETag, Checksum, ObjectParts, StorageClass,
 * ObjectSize) from the object's metadata, without its body. ObjectParts
 * comes from the part layout a multipart object keeps in its attrs: the
 * part count always, the parts themselves (number, size, checksum) only
 * when the upload had a checksum algorithm, as S3 does, paged with
 * x-amz-max-parts and x-amz-part-number-marker. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/s3_int.h"

enum { A_ETAG = 1, A_CHECKSUM = 2, A_PARTS = 4, A_CLASS = 8, A_SIZE = 16 };

static const struct {
    const char *name;
    int bit;
} attr_names[] = {
    {"ETag", A_ETAG},          {"Checksum", A_CHECKSUM}, {"ObjectParts", A_PARTS},
    {"StorageClass", A_CLASS}, {"ObjectSize", A_SIZE},
};

/* The attributes asked for, or -1 with the error prepared. */
static int wanted(s3_req_t *r)
{
    const char *v = lh__s3_hdr(r, "x-amz-object-attributes");
    int bits = 0;
    for (const char *p = v; p && *p;) {
        size_t n = strcspn(p, ","), k;
        const char *s = p;
        while (n && *s == ' ')
            s++, n--;
        while (n && s[n - 1] == ' ')
            n--;
        for (k = 0; k < sizeof attr_names / sizeof attr_names[0]; k++)
            if (strlen(attr_names[k].name) == n && !strncmp(s, attr_names[k].name, n)) break;
        if (k == sizeof attr_names / sizeof attr_names[0]) {
            lh__s3_error(r, "InvalidArgument", "Invalid attribute name specified.");
            return -1;
        }
        bits |= attr_names[k].bit;
        p += strcspn(p, ",");
        if (*p) p++;
    }
    if (!bits)
        lh__s3_error(r, "InvalidArgument",
                     "The x-amz-object-attributes header specifying the attributes to be "
                     "retrieved is either missing or empty");
    return bits ? bits : -1;
}

/* An integer header in lo..hi (def when absent), or -1 with the error prepared. */
static int int_header(s3_req_t *r, const char *name, int def, int lo, int hi)
{
    const char *v = lh__s3_hdr(r, name);
    int64_t x = def;
    if (v && (lh_parse_i64(v, &x) != 0 || x < lo)) {
        char msg[96];
        snprintf(msg, sizeof msg, "Invalid %s", name);
        lh__s3_error(r, "InvalidArgument", msg);
        return -1;
    }
    return x > hi ? hi : (int)x;
}

static void checksum_xml(lh_buf_t *b, json_t *ck)
{
    const char *algo = json_string_value(json_object_get(ck, "algo"));
    const char *val = json_string_value(json_object_get(ck, "value"));
    const char *type = json_string_value(json_object_get(ck, "type"));
    char tag[40];
    if (!algo || !val) return;
    snprintf(tag, sizeof tag, "Checksum%s", algo);
    lh_buf_puts(b, "<Checksum>");
    lh__s3_xml_elem(b, tag, val);
    if (type) lh__s3_xml_elem(b, "ChecksumType", type);
    lh_buf_puts(b, "</Checksum>");
}

/* <ObjectParts> of a multipart object (nothing for a single-part one). */
static int parts_xml(s3_req_t *r, lh_buf_t *b, const lh_store_meta_t *m, json_t *attrs)
{
    int64_t *sizes = NULL;
    int n = 0;
    int max = int_header(r, "x-amz-max-parts", 1000, 0, 1000);
    int marker = max < 0 ? -1 : int_header(r, "x-amz-part-number-marker", 0, 0, 10000);
    if (max < 0 || marker < 0) return -1;
    if (lh__s3_attrs_parts(m->attrs, &sizes, &n)) {
        lh__s3_error(r, "InternalError", NULL);
        return -1;
    }
    const char *dash = strrchr(m->etag, '-');
    int64_t total = n;
    if (!n && (!dash || lh_parse_i64(dash + 1, &total) != 0)) total = 0; /* "-N": N parts */
    if (total <= 0) return 0;
    lh_buf_printf(b, "<ObjectParts><PartsCount>%lld</PartsCount>", (long long)total);
    json_t *cks = json_object_get(attrs, "part_checksums");
    json_t *ck = json_object_get(attrs, "checksums");
    const char *algo = json_string_value(json_object_get(ck, "algo"));
    if (n && cks && algo) { /* the parts are listed only when they have checksums */
        int end = marker + max < n ? marker + max : n;
        char tag[40];
        snprintf(tag, sizeof tag, "Checksum%s", algo);
        lh_buf_printf(b,
                      "<PartNumberMarker>%d</PartNumberMarker><NextPartNumberMarker>%d"
                      "</NextPartNumberMarker><MaxParts>%d</MaxParts><IsTruncated>%s</IsTruncated>",
                      marker, end > marker ? end : marker, max, end < n ? "true" : "false");
        for (int i = marker; i < end; i++) {
            lh_buf_printf(b, "<Part><PartNumber>%d</PartNumber><Size>%lld</Size>", i + 1,
                          (long long)sizes[i]);
            const char *v = json_string_value(json_array_get(cks, (size_t)i));
            if (v && v[0]) lh__s3_xml_elem(b, tag, v);
            lh_buf_puts(b, "</Part>");
        }
    }
    lh_buf_puts(b, "</ObjectParts>");
    free(sizes);
    return 0;
}

void lh__s3_get_object_attributes(s3_req_t *r)
{
    lh_err_t err = {0};
    lh_store_bucket_t info = {0};
    lh_store_meta_t m = {0};
    int bits = wanted(r);
    if (bits < 0) return;
    int pending = lh__s3_authorize_or_acl(r, "s3:GetObjectAttributes", &info);
    if (pending < 0) return;
    int rc = lh_store_head(r->s3->st, r->bucket, r->key, r->key_len, &m, &err);
    if (pending && (rc || !lh__s3_object_grants(r, &info, "s3:GetObjectAttributes", m.attrs)))
        lh__s3_error(r, "AccessDenied", NULL);
    else if (rc)
        lh__s3_error_from(r, rc, &err);
    lh_store_bucket_clear(&info);
    if (r->failed) goto done;
    json_t *attrs = m.attrs ? json_loads(m.attrs, 0, NULL) : NULL;
    lh_buf_t *b = &r->resp_body;
    lh__s3_xml_begin(b, "GetObjectAttributesResponse");
    if (bits & A_ETAG) lh__s3_xml_elem(b, "ETag", m.etag);
    if (bits & A_CHECKSUM) checksum_xml(b, json_object_get(attrs, "checksums"));
    int bad = (bits & A_PARTS) && parts_xml(r, b, &m, attrs);
    json_decref(attrs);
    if (bad) goto done;
    if (bits & A_CLASS) lh__s3_xml_elem(b, "StorageClass", "STANDARD");
    if (bits & A_SIZE) lh_buf_printf(b, "<ObjectSize>%lld</ObjectSize>", (long long)m.size);
    lh_buf_puts(b, "</GetObjectAttributesResponse>");
    char date[64];
    lh_http_date(m.mtime_ns / 1000000000, date, sizeof date);
    lh__s3_set_hdr(r, "Last-Modified", date);
    lh__s3_set_hdr(r, "Content-Type", "application/xml");
    r->status = 200;
done:
    lh_store_meta_clear(&m);
}
