/* libFuzzer target: the page decoders of parquet/decode.h on arbitrary
 * bytes. The first byte picks the decoder, the second its bit width or
 * physical type, the third how many values to ask for (in slices of varying
 * size); the rest is the page section. Every decoder must stay inside the
 * input and either hand out the values or fail with LH_ECORRUPT. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parquet/decode.h"
#include "parquet/meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ok_or_corrupt(int rc)
{
    if (rc && rc != LH_ECORRUPT && rc != LH_ENOMEM) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3) return 0;
    int which = data[0] % 8, arg = data[1];
    uint32_t want = (uint32_t)data[2] * 8 + 1;
    const uint8_t *p = data + 3;
    size_t n = size - 3;
    static union {
        uint32_t u32[2048];
        int64_t i64[2048];
        lh_string_t s[2048];
        uint8_t b[2048 * 16];
    } out;
    lh_err_t err;
    lh_arena_t *a = lh_arena_new(4096);
    int types[] = {LH_PQ_BOOLEAN, LH_PQ_INT32,  LH_PQ_INT64,      LH_PQ_INT96,
                   LH_PQ_FLOAT,   LH_PQ_DOUBLE, LH_PQ_BYTE_ARRAY, LH_PQ_FIXED_LEN_BYTE_ARRAY};
    int type = types[arg % 8];
    int rc = 0;
    uint32_t done = 0, step = (uint32_t)(arg % 13) + 1;
    switch (which) {
    case 0:
    case 1: {
        lh_pq_rle_t d;
        if (lh_pq_rle_init(&d, p, n, arg % 34, &err)) break;
        while (!rc && done < want) {
            uint32_t k = want - done < step ? want - done : step;
            rc = which ? lh_pq_rle_get_codes(&d, (int32_t *)out.u32, k, 1000, &err)
                       : lh_pq_rle_get(&d, out.u32, k, &err);
            done += k;
        }
        break;
    }
    case 2: {
        lh_pq_plain_t d;
        lh_pq_plain_init(&d, p, n, type, arg % 20 + 1);
        while (!rc && done < want) {
            uint32_t k = want - done < step ? want - done : step;
            rc = lh_pq_plain_get(&d, out.b, k, &err);
            done += k;
        }
        break;
    }
    case 3: {
        lh_pq_bss_t d;
        if (lh_pq_bss_init(&d, p, n, type, arg % 20 + 1, &err)) break;
        rc = lh_pq_bss_get(&d, out.b, want < d.count ? want : (uint32_t)d.count, a, &err);
        break;
    }
    case 4:
    case 5: {
        lh_pq_delta_t d;
        if (lh_pq_delta_init(&d, p, n, &err)) break;
        uint32_t k = d.total < want ? (uint32_t)d.total : want;
        rc = which == 4 ? lh_pq_delta_get64(&d, out.i64, k, &err)
                        : lh_pq_delta_get32(&d, (int32_t *)out.u32, k, &err);
        break;
    }
    case 6: {
        lh_pq_dlba_t d;
        if (lh_pq_dlba_init(&d, p, n, &err)) break;
        uint32_t k = d.lens.total < want ? (uint32_t)d.lens.total : want;
        rc = lh_pq_dlba_get(&d, out.s, k, &err);
        for (uint32_t i = 0; !rc && i < k; i++)
            if (out.s[i].len > LH_STRING_INLINE &&
                ((const uint8_t *)out.s[i].u.ptr < p ||
                 (const uint8_t *)out.s[i].u.ptr + out.s[i].len > p + n))
                abort();
        break;
    }
    default: {
        lh_pq_dba_t d;
        if (lh_pq_dba_init(&d, p, n, &err)) break;
        uint32_t k = d.prefix.total < want ? (uint32_t)d.prefix.total : want;
        rc = lh_pq_dba_get(&d, out.s, k, a, &err);
        break;
    }
    }
    ok_or_corrupt(rc);
    lh_arena_free(a);
    return 0;
}
