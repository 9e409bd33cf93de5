/* One REST call of the CLI to the running platform (cmd/client.h): libcurl
 * with a JSON content type, the caller's credentials, a connect timeout of
 * 5 s and a whole-call timeout of 60 s; the reply's body is collected in a
 * bounded buffer. */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "cmd/client.h"

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
    lh_buf_t *b = arg;
    return lh_buf_append(b, p, size * n) == 0 ? size * n : 0;
}

/* Bearer when a token is given, else Basic when an access key is. */
static void set_auth(CURL *h, const lh_config_t *cfg, const char *token)
{
    if (token && *token) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
        curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, token);
    } else if (*lh_config_get(cfg, "core.access_key")) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, lh_config_get(cfg, "core.access_key"));
        curl_easy_setopt(h, CURLOPT_PASSWORD, lh_config_get(cfg, "core.secret_key"));
    }
}

int lh_client_http(const lh_config_t *cfg, const char *token, const char *method, const char *path,
                   const char *body, lh_client_reply_t *r, char *msg, size_t cap)
{
    char url[2048];
    const char *base = lh_config_get(cfg, "core.url");
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    snprintf(url, sizeof url, "%.*s%s", (int)bl, base, path);
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(msg, cap, "cannot start the HTTP client");
        return -1;
    }
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (body) curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    set_auth(h, cfg, token);
    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    else
        snprintf(msg, cap, "cannot reach the platform at %s: %s", base, curl_easy_strerror(rc));
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    return rc == CURLE_OK ? 0 : rc == CURLE_COULDNT_CONNECT ? 1 : -1;
}
