/* Internal to src/web/: the route table entry and the handlers of
 * api_users.c (users and tokens), shared with the router in api.c. */
#ifndef LH_WEB_INT_H
#define LH_WEB_INT_H

#include <jansson.h>

#include "web/api.h"

/* LH__AUTH_SYSTEM: public and served by every process, whatever roles it runs */
enum { LH__AUTH_SYSTEM, LH__AUTH_NONE, LH__AUTH_USER, LH__AUTH_ADMIN };

typedef struct lh_web_route {
    const char *method;
    const char *pattern; /* "/api/v1/users/{}": {} matches one segment */
    int auth;            /* LH__AUTH_* */
    int body;            /* handler reads the request body */
    int blocking;        /* handler writes the database: worker thread */
    void (*fn)(lh_web_api_t *api, lh_web_call_t *c);
} lh_web_route_t;

void lh__web_users_list(lh_web_api_t *api, lh_web_call_t *c);
void lh__web_users_add(lh_web_api_t *api, lh_web_call_t *c);
void lh__web_users_rm(lh_web_api_t *api, lh_web_call_t *c);
void lh__web_users_secret(lh_web_api_t *api, lh_web_call_t *c);
void lh__web_tokens_list(lh_web_api_t *api, lh_web_call_t *c);
void lh__web_tokens_create(lh_web_api_t *api, lh_web_call_t *c);
void lh__web_tokens_revoke(lh_web_api_t *api, lh_web_call_t *c);

/* Answers with a JSON document (takes the reference) and status. */
void lh__web_json(lh_web_call_t *c, int status, json_t *doc);
/* Answers with the problem for an LH_E* code and message. */
void lh__web_error(lh_web_call_t *c, int code, const char *msg);
/* Parses the body as a JSON object; on failure answers 400 and returns NULL. */
json_t *lh__web_body_object(lh_web_call_t *c);

#endif
