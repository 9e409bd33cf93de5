/* Unit tests for login throttling (core/throttle.h): the delay schedule,
 * counting per access key and per address (the larger count decides), the
 * sliding window, tables that stay bounded while thousands of keys and
 * addresses fail, and how a key is shown in the log. Time is passed in, so
 * nothing here waits. */
#include <stdio.h>
#include <string.h>

#include "core/throttle.h"
#include "test.h"

static void delay_schedule(void)
{
    lh_throttle_t *t;
    static const unsigned want[] = {0, 0, 0, 0, 0, 250, 500, 1000, 2000, 4000, 5000, 5000, 5000};
    CHECK_EQ_INT(lh_throttle_new(&t), 0);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        CHECK_EQ_INT(lh_throttle_fail(t, "alice", "10.0.0.1", 1000 + (int64_t)i), want[i]);
    for (int i = 0; i < 100; i++) /* more failures never exceed the maximum */
        CHECK_EQ_INT(lh_throttle_fail(t, "alice", "10.0.0.1", 2000 + i), LH_THROTTLE_MAX_MS);
    lh_throttle_free(t);
}

static void per_key_and_per_address(void)
{
    lh_throttle_t *t;
    char addr[32], key[32];
    CHECK_EQ_INT(lh_throttle_new(&t), 0);
    /* one key from many addresses */
    for (int i = 0; i < 5; i++) {
        snprintf(addr, sizeof addr, "10.0.1.%d", i);
        CHECK_EQ_INT(lh_throttle_fail(t, "bob", addr, 1000), 0);
    }
    CHECK_EQ_INT(lh_throttle_fail(t, "bob", "10.0.1.99", 1000), 250);
    /* many keys from one address */
    for (int i = 0; i < 5; i++) {
        snprintf(key, sizeof key, "guess%d", i);
        CHECK_EQ_INT(lh_throttle_fail(t, key, "10.0.2.1", 1000), 0);
    }
    CHECK_EQ_INT(lh_throttle_fail(t, "guess-next", "10.0.2.1", 1000), 250);
    /* others are not affected */
    CHECK_EQ_INT(lh_throttle_fail(t, "carol", "10.0.3.1", 1000), 0);
    /* a failure with no key, or no address, counts the other one only */
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(lh_throttle_fail(t, NULL, "10.0.4.1", 1000), 0);
    CHECK_EQ_INT(lh_throttle_fail(t, "", "10.0.4.1", 1000), 250);
    CHECK_EQ_INT(lh_throttle_fail(t, NULL, NULL, 1000), 0);
    lh_throttle_free(t);
}

static void sliding_window(void)
{
    lh_throttle_t *t;
    const int64_t s = 1000; /* one second */
    CHECK_EQ_INT(lh_throttle_new(&t), 0);
    for (int i = 0; i < 5; i++) /* at 0, 10, 20, 30, 40 s */
        CHECK_EQ_INT(lh_throttle_fail(t, "dan", "10.0.0.5", i * 10 * s), 0);
    CHECK_EQ_INT(lh_throttle_fail(t, "dan", "10.0.0.5", 50 * s), 250); /* 6 in 60 s */
    /* at 61 s the one at 0 s has left: still 6 in the window (10..61 s) */
    CHECK_EQ_INT(lh_throttle_fail(t, "dan", "10.0.0.5", 61 * s), 250);
    /* at 75 s those at 0 and 10 s have left: 20, 30, 40, 50, 61, 75 s are 6 */
    CHECK_EQ_INT(lh_throttle_fail(t, "dan", "10.0.0.5", 75 * s), 250);
    /* a minute of quiet and it starts over */
    CHECK_EQ_INT(lh_throttle_fail(t, "dan", "10.0.0.5", 200 * s), 0);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(lh_throttle_fail(t, "dan", "10.0.0.5", 200 * s + i), 0);
    CHECK_EQ_INT(lh_throttle_fail(t, "dan", "10.0.0.5", 201 * s), 250);
    lh_throttle_free(t);
}

static void bounded_tables(void)
{
    lh_throttle_t *t;
    char key[32], addr[32];
    CHECK_EQ_INT(lh_throttle_new(&t), 0);
    /* far more keys and addresses than slots: each fails once, no delays */
    for (int i = 0; i < 20 * LH_THROTTLE_SLOTS; i++) {
        snprintf(key, sizeof key, "key%d", i);
        snprintf(addr, sizeof addr, "10.%d.%d.%d", i >> 16 & 255, i >> 8 & 255, i & 255);
        CHECK_EQ_INT(lh_throttle_fail(t, key, addr, 1000 + i / 100), 0);
    }
    /* a fresh key still starts at zero and is throttled after five */
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(lh_throttle_fail(t, "eve", "192.0.2.1", 5000), 0);
    CHECK_EQ_INT(lh_throttle_fail(t, "eve", "192.0.2.1", 5000), 250);
    lh_throttle_free(t);
}

static void keys_shown_in_logs(void)
{
    char out[80], longkey[200];
    lh_auth_key_for_log("AKIA.user@x", out, sizeof out);
    CHECK_EQ_STR(out, "AKIA.user@x");
    lh_auth_key_for_log("evil\nauth failed key=root\x1b[2J", out, sizeof out);
    CHECK_EQ_STR(out, "evil?auth?failed?key=root??2J");
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    lh_auth_key_for_log(longkey, out, sizeof out);
    CHECK_EQ_INT(strlen(out), 67);
    CHECK(!strcmp(out + 64, "..."));
    lh_auth_key_for_log(NULL, out, sizeof out);
    CHECK_EQ_STR(out, "");
}

static const lh_test_t tests[] = {
    {"delay_schedule", delay_schedule},
    {"per_key_and_per_address", per_key_and_per_address},
    {"sliding_window", sliding_window},
    {"bounded_tables", bounded_tables},
    {"keys_shown_in_logs", keys_shown_in_logs},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
