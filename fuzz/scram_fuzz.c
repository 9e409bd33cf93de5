/* libFuzzer target: a SCRAM-SHA-256 server exchange over arbitrary client
 * messages (client-first, a newline, client-final) against the RFC 7677
 * verifier, checking that every failure names an RFC 5802 error and that
 * only the published proof passes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/scram.h"
#include "core/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* lh_scram_verifier_make("pencil", salt of RFC 7677, 4096) */
static const char verifier[] =
    "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
    "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *nl = memchr(p, '\n', size);
    lh_str_t first = {p, nl ? (size_t)(nl - p) : size};
    lh_str_t final = nl ? (lh_str_t){nl + 1, size - first.len - 1} : (lh_str_t){"", 0};
    lh_scram_t sc;
    char out[LH_SCRAM_MSG_MAX];
    int rc = lh_scram_server_start(&sc, first);
    if (rc) {
        if (rc != LH_EPROTO || !sc.error) abort();
        return 0;
    }
    if (strlen(lh_scram_user(&sc)) > LH_SCRAM_USER_MAX) abort();
    rc = lh_scram_server_first(&sc, verifier, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", out, sizeof out);
    if (rc) {
        if (!sc.error) abort();
        return 0;
    }
    rc = lh_scram_server_final(&sc, final, out, sizeof out);
    if (rc == 0) {
        /* only the published proof for the published nonce passes */
        static const char proof[] = "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
        unsigned char want[32], got[64];
        const char *pp = memmem(final.ptr, final.len, ",p=", 3);
        if (strncmp(out, "v=", 2) || !pp ||
            lh_base64_decode(proof, sizeof proof - 1, want, sizeof want) != 32 ||
            lh_base64_decode(pp + 3, final.len - (size_t)(pp + 3 - final.ptr), got, sizeof got) !=
                32 ||
            memcmp(want, got, 32))
            abort(); /* base64 may spell the same bytes with other padding bits */
    } else if (!sc.error || strncmp(out, "e=", 2) || strcmp(out + 2, sc.error)) {
        abort();
    }
    lh_scram_server_clear(&sc);
    return 0;
}
