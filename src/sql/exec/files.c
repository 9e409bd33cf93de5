/* File lists for the table functions that read files: glob matching (with
 * `**` across directories), expansion of local patterns by walking the
 * directories below the pattern's literal prefix and of s3:// patterns by
 * listing the bucket under it, and Hive `key=value/` path parts. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sql/exec/files.h"
#include "store/objstore.h"

#define MAX_FILES 1000000
#define MAX_DEPTH 64

/* [...] at p (after '['): whether c is in the class; *end gets past ']'. */
static bool class_match(const char *p, char c, const char **end)
{
    bool neg = *p == '!' || *p == '^', hit = false;
    if (neg) p++;
    const char *start = p;
    while (*p && (*p != ']' || p == start)) {
        if (p[1] == '-' && p[2] && p[2] != ']') {
            if ((unsigned char)c >= (unsigned char)p[0] && (unsigned char)c <= (unsigned char)p[2])
                hit = true;
            p += 3;
        } else {
            hit |= *p++ == c;
        }
    }
    *end = *p ? p + 1 : p;
    return hit != neg;
}

bool lh__glob_match(const char *pat, const char *s)
{
    while (*pat) {
        if (pat[0] == '*' && pat[1] == '*') {
            const char *rest = pat + 2;
            bool seg = *rest == '/';
            if (seg) rest++;
            if (seg && lh__glob_match(rest, s)) return true; /* zero directories */
            for (const char *q = s; *q; q++)
                if ((!seg || *q == '/') && lh__glob_match(rest, seg ? q + 1 : q + 1)) return true;
            return !*rest;
        }
        if (*pat == '*') {
            for (const char *q = s;; q++) {
                if (lh__glob_match(pat + 1, q)) return true;
                if (!*q || *q == '/') return false;
            }
        }
        if (!*s) return false;
        if (*pat == '?') {
            if (*s == '/') return false;
            pat++;
        } else if (*pat == '[' && strchr(pat + 1, ']')) {
            const char *end;
            if (*s == '/' || !class_match(pat + 1, *s, &end)) return false;
            pat = end;
        } else {
            if (*pat != *s) return false;
            pat++;
        }
        s++;
    }
    return !*s;
}

bool lh__glob_has_wild(const char *pattern)
{
    return strpbrk(pattern, "*?[") != NULL;
}

typedef struct collect {
    lh_arena_t *a;
    const char *pat;
    const char **v;
    uint32_t n, cap;
    int rc;
} collect_t;

/* Each name is followed in its arena copy by the object's ETag (a string,
 * empty when not listed) and size (int64_t, -1 when not listed): sorting the
 * names keeps them together. */
static int push_meta(collect_t *c, const char *s, size_t len, const lh_objstore_meta_t *meta)
{
    if (c->n >= MAX_FILES) return LH_ETOOBIG;
    if (c->n == c->cap) {
        uint32_t cap = c->cap ? c->cap * 2 : 16;
        const char **v = lh_arena_alloc(c->a, cap * sizeof *v);
        if (!v) return LH_ENOMEM;
        if (c->n) memcpy(v, c->v, c->n * sizeof *v);
        c->v = v;
        c->cap = cap;
    }
    const char *etag = meta ? meta->etag : "";
    size_t el = strlen(etag);
    int64_t size = meta ? meta->size : -1;
    char *p = lh_arena_alloc(c->a, len + el + 2 + sizeof size);
    if (!p) return LH_ENOMEM;
    memcpy(p, s, len);
    p[len] = 0;
    memcpy(p + len + 1, etag, el + 1);
    memcpy(p + len + el + 2, &size, sizeof size);
    c->v[c->n++] = p;
    return 0;
}

static int push(collect_t *c, const char *s, size_t len)
{
    return push_meta(c, s, len, NULL);
}

static int walk(collect_t *c, char *path, size_t len, int depth, int max_depth)
{
    DIR *d = opendir(path);
    if (!d) return 0;
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(d))) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        size_t nl = strlen(e->d_name);
        if (len + nl + 2 > 4096) continue;
        size_t at = len;
        if (at && path[at - 1] != '/') path[at++] = '/';
        memcpy(path + at, e->d_name, nl + 1);
        struct stat st;
        if (stat(path, &st)) continue;
        if (S_ISDIR(st.st_mode)) {
            if (depth + 1 < max_depth) rc = walk(c, path, at + nl, depth + 1, max_depth);
        } else if (lh__glob_match(c->pat, path[0] == '.' && path[1] == '/' && c->pat[0] != '.'
                                              ? path + 2
                                              : path)) {
            rc = push(c, path, at + nl);
        }
        path[len] = 0;
    }
    closedir(d);
    return rc;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The directory part of pattern before its first wildcard. */
static size_t literal_dir(const char *pattern)
{
    size_t w = strcspn(pattern, "*?[");
    while (w && pattern[w - 1] != '/')
        w--;
    return w;
}

static int expand_local(collect_t *c, const char *pattern)
{
    if (!lh__glob_has_wild(pattern)) {
        struct stat st;
        if (stat(pattern, &st) || S_ISDIR(st.st_mode)) return 0;
        return push(c, pattern, strlen(pattern));
    }
    size_t base = literal_dir(pattern);
    int depth = strstr(pattern, "**") ? MAX_DEPTH : 0;
    if (!depth) {
        depth = 1;
        for (const char *p = pattern + base; *p; p++)
            depth += *p == '/';
    }
    char path[4096];
    if (base >= sizeof path) return LH_ETOOBIG;
    memcpy(path, base ? pattern : ".", base ? base : 2);
    path[base ? base : 1] = 0;
    if (base > 1) path[base - 1] = 0; /* without the trailing slash */
    uint32_t from = c->n;
    int rc = walk(c, path, strlen(path), 0, depth);
    if (!rc && c->n > from) qsort(c->v + from, c->n - from, sizeof *c->v, cmp_str);
    return rc;
}

static int list_fn(void *arg, const char *key, int is_prefix, const lh_objstore_meta_t *meta)
{
    collect_t *c = arg;
    if (is_prefix || !lh__glob_match(c->pat, key)) return 0;
    size_t n = strlen(key);
    if (n && key[n - 1] == '/') return 0; /* a directory marker */
    return push_meta(c, key, n, meta);
}

static int expand_s3(collect_t *c, lh_file_list_t *out, const char *url, lh_err_t *err)
{
    const char *b = url + 5, *slash = strchr(b, '/');
    if (!slash || !slash[1] || slash == b)
        return lh_err_set(err, LH_EINVAL, "not an object URL: %s", url);
    if (!out->os)
        return lh_err_set(err, LH_EINVAL,
                          "no lake to read %s from: set lake.endpoint (AWS_ENDPOINT_URL)", url);
    size_t blen = (size_t)(slash - b);
    if (out->bucket && (strlen(out->bucket) != blen || strncmp(out->bucket, b, blen)))
        return lh_err_set(err, LH_EINVAL, "files of several buckets in one scan: %s", url);
    if (!out->bucket && !(out->bucket = lh_arena_strndup(c->a, b, blen))) return LH_ENOMEM;
    const char *key = slash + 1;
    if (!lh__glob_has_wild(key)) return push(c, key, strlen(key));
    size_t w = strcspn(key, "*?[");
    char *prefix = lh_arena_strndup(c->a, key, w);
    if (!prefix) return LH_ENOMEM;
    c->pat = key;
    uint32_t from = c->n;
    int rc = lh_objstore_list(out->os, out->bucket, prefix, NULL, list_fn, c, err);
    if (!rc && c->n > from) qsort(c->v + from, c->n - from, sizeof *c->v, cmp_str);
    return rc;
}

int lh__files_expand(lh_arena_t *a, struct lh_objstore *lake, const char *const *patterns,
                     uint32_t npat, lh_file_list_t *out, lh_err_t *err)
{
    memset(out, 0, sizeof *out);
    collect_t c = {.a = a};
    bool s3 = npat && !strncmp(patterns[0], "s3://", 5);
    if (s3) out->os = lake;
    for (uint32_t i = 0; i < npat; i++) {
        if (s3 != !strncmp(patterns[i], "s3://", 5))
            return lh_err_set(err, LH_EINVAL, "local files and s3:// URLs in one scan");
        uint32_t before = c.n;
        c.pat = patterns[i];
        int rc = s3 ? expand_s3(&c, out, patterns[i], err) : expand_local(&c, patterns[i]);
        if (rc == LH_ENOMEM || rc == LH_ETOOBIG)
            return lh_err_set(err, rc, rc == LH_ENOMEM ? "out of memory" : "too many files");
        if (rc) return err->code ? rc : lh_err_set(err, rc, "cannot list %s", patterns[i]);
        if (c.n == before)
            return lh_err_set(err, LH_ENOENT, "No files found that match the pattern \"%s\"",
                              patterns[i]);
    }
    out->paths = c.v;
    out->n = c.n;
    out->urls = s3 ? lh_arena_alloc(a, (c.n + 1) * sizeof *out->urls) : c.v;
    if (!out->urls) return lh_err_set(err, LH_ENOMEM, "out of memory");
    for (uint32_t i = 0; s3 && i < c.n; i++)
        if (!(out->urls[i] = lh_arena_printf(a, "s3://%s/%s", out->bucket, c.v[i])))
            return lh_err_set(err, LH_ENOMEM, "out of memory");
    if (!s3) return 0;
    out->etags = lh_arena_alloc(a, (c.n + 1) * sizeof *out->etags);
    out->sizes = lh_arena_alloc(a, (c.n + 1) * sizeof *out->sizes);
    if (!out->etags || !out->sizes) return lh_err_set(err, LH_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < c.n; i++) {
        const char *etag = c.v[i] + strlen(c.v[i]) + 1;
        out->etags[i] = *etag ? etag : NULL;
        memcpy(&out->sizes[i], etag + strlen(etag) + 1, sizeof out->sizes[i]);
    }
    return 0;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f') return (ch | 0x20) - 'a' + 10;
    return -1;
}

static char *decode(lh_arena_t *a, const char *s, size_t n)
{
    char *o = lh_arena_alloc(a, n + 1);
    if (!o) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int h, l;
        if (s[i] == '%' && i + 2 < n && (h = hexval(s[i + 1])) >= 0 &&
            (l = hexval(s[i + 2])) >= 0) {
            o[k++] = (char)(h * 16 + l);
            i += 2;
        } else {
            o[k++] = s[i];
        }
    }
    o[k] = 0;
    return o;
}

uint32_t lh__hive_parts(lh_arena_t *a, const char *path, const char **keys, const char **vals,
                        uint32_t max)
{
    uint32_t n = 0;
    const char *p = path;
    for (const char *slash; n < max && (slash = strchr(p, '/')); p = slash + 1) {
        const char *eq = memchr(p, '=', (size_t)(slash - p));
        if (!eq || eq == p) continue;
        keys[n] = lh_arena_strndup(a, p, (size_t)(eq - p));
        vals[n] = decode(a, eq + 1, (size_t)(slash - eq - 1));
        if (!keys[n] || !vals[n]) return n;
        uint32_t k = 0;
        while (k < n && strcmp(keys[k], keys[n]))
            k++;
        if (k < n)
            vals[k] = vals[n]; /* the deepest value of a key wins */
        else
            n++;
    }
    return n;
}
