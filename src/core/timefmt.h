/* Dates on the wire, without the process time zone (timegm and gmtime are
 * not C11): HTTP dates (RFC 9110, strictly for conditional requests, or
 * leniently as S3 reads a Date header), ISO 8601 extended
 * ("2009-10-12T17:50:30.000Z", S3 XML and logs) and basic
 * ("20130524T000000Z", SigV4's x-amz-date). Times are seconds (or
 * nanoseconds where said) since 1970-01-01 UTC. Pure functions. */
#ifndef LH_CORE_TIMEFMT_H
#define LH_CORE_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#include "core/str.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil); m is 1..12. */
int64_t lh_time_days_from_civil(int64_t y, int m, int d);
/* The reverse: the date of day z since 1970-01-01. */
void lh_time_civil_from_days(int64_t z, int64_t *y, int *m, int *d);

/* "Tue, 15 Nov 1994 08:12:31 GMT" (IMF-fixdate) into out (>= 30 bytes;
 * truncated, NUL-terminated, when smaller). */
void lh_time_http_format(int64_t t, char *out, size_t cap);
/* The three forms of RFC 9110 5.6.7 exactly (IMF-fixdate, RFC 850, asctime),
 * "GMT" only. 0 and *t, or LH_EINVAL. */
int lh_time_http_parse(lh_str_t s, int64_t *t);
/* What S3 accepts in a Date header: the same forms read token by token,
 * with any weekday, two- or four-digit years, and a zone of GMT, UTC, Z or
 * +hhmm/-hhmm ("Tue, 27 Mar 2007 19:36:42 +0000"); years 1970..9999.
 * 0 and *t, or LH_EINVAL. */
int lh_time_http_parse_lenient(lh_str_t s, int64_t *t);

/* "YYYY-MM-DDTHH:MM:SS" + frac_digits (0..9) of the fraction + "Z" for ns
 * nanoseconds since the epoch, into out (>= 31 bytes for 9 digits;
 * truncated, NUL-terminated, when smaller). Returns the length written. */
size_t lh_time_iso8601_format(int64_t ns, int frac_digits, char *out, size_t cap);
/* "YYYY-MM-DDTHH:MM:SS", an optional fraction (dropped), then "Z", an offset
 * "+hh:mm"/"-hh:mm", or nothing (read as UTC). 0 and *t (seconds), or
 * LH_EINVAL. */
int lh_time_iso8601_parse(lh_str_t s, int64_t *t);
/* ISO 8601 basic, as SigV4 writes it: "20130524T000000Z" (out >= 17 bytes). */
void lh_time_iso8601_basic_format(int64_t t, char out[17]);
/* Exactly "YYYYMMDDTHHMMSSZ", years 1970..9999. 0 and *t, or LH_EINVAL. */
int lh_time_iso8601_basic_parse(lh_str_t s, int64_t *t);

#endif
