/* libFuzzer target: parses arbitrary bytes as a bucket policy for bucket
 * "photos" and, when it parses, evaluates a matrix of requests against it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "store/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const users[] = {NULL, "alice", "bob"};
    static const char *const actions[] = {"s3:GetObject", "s3:PutObject", "s3:ListBucket",
                                          "s3:DeleteObject", "s3:GetBucketLocation"};
    static char longkey[1500];
    static const char *keys[] = {NULL, "", "a/b.jpg", "public/x?y*", longkey};
    if (!longkey[0]) memset(longkey, 'k', sizeof longkey - 1);
    lh_policy_t *p = NULL;
    lh_err_t err = {0};
    int rc = lh_policy_parse((const char *)data, size, "photos", &p, &err);
    if (rc) {
        if (p || !err.msg[0]) abort();
        return 0;
    }
    for (size_t u = 0; u < 3; u++)
        for (size_t a = 0; a < 5; a++)
            for (size_t k = 0; k < 5; k++) {
                int r = lh_policy_eval(p, users[u], actions[a], "photos", keys[k]);
                if (r != LH_POLICY_NONE && r != LH_POLICY_ALLOW && r != LH_POLICY_DENY) abort();
                if (lh_policy_eval(p, users[u], actions[a], "other", keys[k]) != LH_POLICY_NONE)
                    abort(); /* a policy governs only its own bucket */
            }
    lh_policy_free(p);
    return 0;
}
