/* The delta encodings (Encodings.md): DELTA_BINARY_PACKED (a header of
 * block size, miniblocks per block, value count and first value, then blocks
 * of a zigzag min delta, one bit width per miniblock and the miniblocks'
 * packed deltas), DELTA_LENGTH_BYTE_ARRAY (the lengths delta-packed, then
 * every value's bytes back to back) and DELTA_BYTE_ARRAY (prefix lengths
 * delta-packed, then the suffixes as DELTA_LENGTH_BYTE_ARRAY; each value is
 * the previous value's prefix plus its suffix). Arithmetic wraps in two's
 * complement as the format requires. */
#include "parquet/decode.h"

#include <string.h>

#define DELTA_BLOCK_MAX (UINT64_C(1) << 20)

static int uleb(const uint8_t **pp, const uint8_t *end, uint64_t *out, lh_err_t *err)
{
    uint64_t v = 0;
    const uint8_t *p = *pp;
    for (int shift = 0;; shift += 7) {
        if (p >= end) return lh_err_set(err, LH_ECORRUPT, "delta header ends early");
        if (shift > 63) return lh_err_set(err, LH_ECORRUPT, "delta varint too long");
        uint8_t b = *p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
    }
    *pp = p;
    *out = v;
    return 0;
}

static int zigzag(const uint8_t **pp, const uint8_t *end, int64_t *out, lh_err_t *err)
{
    uint64_t u;
    int rc = uleb(pp, end, &u, err);
    *out = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
    return rc;
}

int lh_pq_delta_init(lh_pq_delta_t *d, const void *data, size_t len, lh_err_t *err)
{
    memset(d, 0, sizeof *d);
    d->p = data;
    d->end = d->p + len;
    int rc;
    if ((rc = uleb(&d->p, d->end, &d->block_size, err)) ||
        (rc = uleb(&d->p, d->end, &d->miniblocks, err)) ||
        (rc = uleb(&d->p, d->end, &d->total, err)) || (rc = zigzag(&d->p, d->end, &d->last, err)))
        return rc;
    if (!d->block_size || d->block_size % 128 || d->block_size > DELTA_BLOCK_MAX ||
        !d->miniblocks || d->block_size % d->miniblocks ||
        (d->per_mini = d->block_size / d->miniblocks) % 32)
        return lh_err_set(err, LH_ECORRUPT, "bad delta block size %llu with %llu miniblocks",
                          (unsigned long long)d->block_size, (unsigned long long)d->miniblocks);
    if (d->total > UINT32_MAX) return lh_err_set(err, LH_ECORRUPT, "delta value count too big");
    d->mini_idx = (uint32_t)d->miniblocks; /* no block read yet */
    d->mini_pos = (uint32_t)d->per_mini;
    return 0;
}

static int next_mini(lh_pq_delta_t *d, lh_err_t *err)
{
    if (d->mini_idx >= d->miniblocks) {
        int rc = zigzag(&d->p, d->end, &d->min_delta, err);
        if (rc) return rc;
        if ((uint64_t)(d->end - d->p) < d->miniblocks)
            return lh_err_set(err, LH_ECORRUPT, "delta bit widths end early");
        d->widths = d->p;
        d->p += d->miniblocks;
        d->mini_idx = 0;
    }
    int w = d->widths[d->mini_idx++];
    if (w > 64) return lh_err_set(err, LH_ECORRUPT, "delta bit width %d", w);
    uint64_t bytes = d->per_mini * (uint64_t)w / 8;
    if ((uint64_t)(d->end - d->p) < bytes) {
        /* the last miniblock may lack its padding: enough for the values left */
        uint64_t left = d->total - d->done;
        if (left > d->per_mini || (uint64_t)(d->end - d->p) < (left * (uint64_t)w + 7) / 8)
            return lh_err_set(err, LH_ECORRUPT, "delta miniblock ends early");
        bytes = (uint64_t)(d->end - d->p);
    }
    d->mini = d->p;
    d->mini_width = w;
    d->p += bytes;
    d->mini_pos = 0;
    return 0;
}

/* Packed value `i` of the current miniblock (width up to 64 bits). */
static inline uint64_t mini_value(const lh_pq_delta_t *d, uint32_t i)
{
    int w = d->mini_width;
    if (!w) return 0;
    size_t bit = (size_t)i * (size_t)w, byte = bit >> 3;
    size_t avail = (size_t)(d->p - d->mini);
    unsigned sh = bit & 7;
    uint64_t lo = 0, hi = 0;
    if (byte + 8 <= avail)
        memcpy(&lo, d->mini + byte, 8);
    else if (byte < avail)
        memcpy(&lo, d->mini + byte, avail - byte);
    uint64_t v = lo >> sh;
    if (w + (int)sh > 64) {
        if (byte + 16 <= avail)
            memcpy(&hi, d->mini + byte + 8, 8);
        else if (byte + 8 < avail)
            memcpy(&hi, d->mini + byte + 8, avail - byte - 8);
        v |= hi << (64 - sh);
    }
    return w == 64 ? v : v & ((UINT64_C(1) << w) - 1);
}

int lh_pq_delta_get64(lh_pq_delta_t *d, int64_t *out, uint32_t n, lh_err_t *err)
{
    if (d->total - d->done < n) return lh_err_set(err, LH_ECORRUPT, "delta values end early");
    uint32_t i = 0;
    if (n && !d->first_out) {
        out[i++] = d->last;
        d->first_out = true;
        d->done++;
    }
    uint64_t last = (uint64_t)d->last;
    while (i < n) {
        if (d->mini_pos >= d->per_mini) {
            int rc = next_mini(d, err);
            if (rc) return rc;
        }
        uint32_t k = (uint32_t)(d->per_mini - d->mini_pos);
        if (k > n - i) k = n - i;
        uint64_t md = (uint64_t)d->min_delta;
        for (uint32_t j = 0; j < k; j++) {
            last += md + mini_value(d, d->mini_pos + j);
            out[i + j] = (int64_t)last;
        }
        d->mini_pos += k;
        i += k;
        d->done += k;
    }
    d->last = (int64_t)last;
    return 0;
}

int lh_pq_delta_get32(lh_pq_delta_t *d, int32_t *out, uint32_t n, lh_err_t *err)
{
    int64_t tmp[256];
    while (n) {
        uint32_t k = n > 256 ? 256 : n;
        int rc = lh_pq_delta_get64(d, tmp, k, err);
        if (rc) return rc;
        for (uint32_t i = 0; i < k; i++)
            out[i] = (int32_t)(uint32_t)(uint64_t)tmp[i];
        out += k;
        n -= k;
    }
    return 0;
}

int lh_pq_delta_skip_all(lh_pq_delta_t *d, const uint8_t **end, lh_err_t *err)
{
    int64_t tmp[256];
    while (d->done < d->total) {
        uint64_t k = d->total - d->done;
        int rc = lh_pq_delta_get64(d, tmp, k > 256 ? 256 : (uint32_t)k, err);
        if (rc) return rc;
    }
    *end = d->p;
    return 0;
}

int lh_pq_dlba_init(lh_pq_dlba_t *d, const void *data, size_t len, lh_err_t *err)
{
    memset(d, 0, sizeof *d);
    int rc = lh_pq_delta_init(&d->lens, data, len, err);
    if (rc) return rc;
    lh_pq_delta_t probe = d->lens;
    if ((rc = lh_pq_delta_skip_all(&probe, &d->p, err))) return rc;
    d->end = (const uint8_t *)data + len;
    return 0;
}

int lh_pq_dlba_get(lh_pq_dlba_t *d, lh_string_t *out, uint32_t n, lh_err_t *err)
{
    int64_t lens[256];
    while (n) {
        uint32_t k = n > 256 ? 256 : n;
        int rc = lh_pq_delta_get64(&d->lens, lens, k, err);
        if (rc) return rc;
        for (uint32_t i = 0; i < k; i++) {
            if (lens[i] < 0 || (uint64_t)lens[i] > (uint64_t)(d->end - d->p))
                return lh_err_set(err, LH_ECORRUPT, "delta byte array length past the page");
            out[i] = lh_string_make((const char *)d->p, (uint32_t)lens[i]);
            d->p += lens[i];
        }
        out += k;
        n -= k;
    }
    return 0;
}

int lh_pq_dba_init(lh_pq_dba_t *d, const void *data, size_t len, lh_err_t *err)
{
    memset(d, 0, sizeof *d);
    int rc = lh_pq_delta_init(&d->prefix, data, len, err);
    if (rc) return rc;
    lh_pq_delta_t probe = d->prefix;
    const uint8_t *rest;
    if ((rc = lh_pq_delta_skip_all(&probe, &rest, err))) return rc;
    size_t used = (size_t)(rest - (const uint8_t *)data);
    if ((rc = lh_pq_dlba_init(&d->suffix, rest, len - used, err))) return rc;
    if (d->suffix.lens.total < d->prefix.total)
        return lh_err_set(err, LH_ECORRUPT, "delta byte array: fewer suffixes than prefixes");
    return 0;
}

int lh_pq_dba_get(lh_pq_dba_t *d, lh_string_t *out, uint32_t n, lh_arena_t *arena, lh_err_t *err)
{
    int64_t pre[256];
    lh_string_t suf[256];
    while (n) {
        uint32_t k = n > 256 ? 256 : n;
        int rc = lh_pq_delta_get64(&d->prefix, pre, k, err);
        if (!rc) rc = lh_pq_dlba_get(&d->suffix, suf, k, err);
        if (rc) return rc;
        for (uint32_t i = 0; i < k; i++) {
            if (pre[i] < 0 || (uint64_t)pre[i] > d->last_len)
                return lh_err_set(err, LH_ECORRUPT,
                                  "delta byte array prefix longer than the value");
            uint64_t len = (uint64_t)pre[i] + suf[i].len;
            if (len > UINT32_MAX) return lh_err_set(err, LH_ECORRUPT, "delta byte array too long");
            char *p = lh_arena_alloc(arena, len ? len : 1);
            if (!p) return lh_err_set(err, LH_ENOMEM, "out of memory");
            if (pre[i]) memcpy(p, d->last, (size_t)pre[i]);
            if (suf[i].len) memcpy(p + pre[i], lh_string_data(&suf[i]), suf[i].len);
            d->last = p;
            d->last_len = (uint32_t)len;
            out[i] = lh_string_make(p, (uint32_t)len);
        }
        out += k;
        n -= k;
    }
    return 0;
}
