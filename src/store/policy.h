/* S3 bucket policies: a subset of the IAM policy language (Effect, Principal,
 * Action, Resource; no Condition/NotPrincipal/NotAction), parsed from JSON
 * once and evaluated per request. */
#ifndef LH_STORE_POLICY_H
#define LH_STORE_POLICY_H

#include <stddef.h>

#include "core/err.h"

typedef struct lh_policy lh_policy_t;

enum { LH_POLICY_NONE = 0, LH_POLICY_ALLOW = 1, LH_POLICY_DENY = 2 };

/* Hard limits on a policy document (AWS caps bucket policies at 20 KiB). */
#define LH_POLICY_MAX_BYTES (20 * 1024)

/* Parses and validates the policy JSON json[0..n) for bucket `bucket`.
 * On success *out is a new policy owned by the caller (lh_policy_free).
 * json is borrowed. Returns 0, or with err set (its message fit for S3's
 * MalformedPolicy error). Errors: LH_EINVAL (not JSON: "This policy contains
 * invalid Json: ..."; not a valid policy: "Policy has invalid resource",
 * "Unknown action s3:Foo", "Missing required field Principal", ...),
 * LH_ETOOBIG (over LH_POLICY_MAX_BYTES), LH_ENOMEM. */
int lh_policy_parse(const char *json, size_t n, const char *bucket, lh_policy_t **out,
                    lh_err_t *err);

/* Evaluates the request against p: user is the authenticated user name or
 * NULL for anonymous; action e.g. "s3:GetObject"; key NULL for bucket-level
 * actions. Returns LH_POLICY_DENY if any matching statement denies,
 * else LH_POLICY_ALLOW if any matching statement allows, else LH_POLICY_NONE.
 * p NULL, or bucket other than the one p was parsed for, gives LH_POLICY_NONE.
 * Borrows every argument; cannot fail. */
int lh_policy_eval(const lh_policy_t *p, const char *user, const char *action, const char *bucket,
                   const char *key);

/* 1 when a statement of p allows something to everyone ("*" principal):
 * what S3's BlockPublicPolicy refuses. p NULL gives 0. */
int lh_policy_is_public(const lh_policy_t *p);

/* Frees p (NULL is fine). */
void lh_policy_free(lh_policy_t *p);

#endif
