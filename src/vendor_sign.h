/*-------------------------------------------------------------------------
 *
 * vendor_sign.h
 *		  Pure request-signing functions of the vendors.
 *
 * Everything here is a function of its arguments: no options, no catalog,
 * no network, no clock, no random numbers.  The providers supply the
 * timestamps and nonces, so the unit tests can check every function against
 * the published vectors byte for byte.  The functions build both in the
 * backend and in the frontend unit-test build.
 *
 * IDENTIFICATION
 *		  src/vendor_sign.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CR_VENDOR_SIGN_H
#define CR_VENDOR_SIGN_H

#include "callrecord_fdw.h"

/*
 * UCloud (providers/ucloud_sign.c): lowercase hex SHA-1 over the parameters
 * sorted by name, written name + value with no separator and no escaping,
 * followed by the private key.  A parameter named "Signature", or with a
 * NULL name or value, is skipped.  The caller's array is not reordered.
 *
 * The string to sign contains the private key: wipe it with
 * cr_explicit_free().
 */
extern char *cr_ucloud_string_to_sign(const CrParam *params, int nparams,
									  const char *private_key);
extern char *cr_ucloud_signature(const CrParam *params, int nparams,
								 const char *private_key);

/*
 * Alibaba Cloud (providers/alibaba_sign.c).
 *
 * ACS3-HMAC-SHA256 ("V3").  The canonical query sorts the parameters by
 * name (byte order) and writes enc(name)=enc(value) joined by '&', where
 * enc is RFC 3986 with uppercase hex; an empty value gives "name=".  The
 * canonical request takes the headers to sign (the caller decides which),
 * lower-cases their names, trims their values, merges names that are
 * equal after lower-casing into one line (values sorted, joined by ','),
 * and sorts the lines by name; *signed_headers_out (if not NULL) receives
 * "a;b;c".  hashed_payload is written as given.  The string to sign is
 * "ACS3-HMAC-SHA256\n" + hex SHA-256 of the canonical request.  The
 * authorization is
 * "ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<list>,Signature=<hex>".
 *
 * RPC (HMAC-SHA1, SignatureVersion=1.0).  The string to sign is
 * method + "&%2F&" + enc(canonicalized query); the signature is Base64
 * HMAC-SHA1 keyed with secret + "&"; the query to send is the
 * canonicalized query + "&Signature=" + enc(signature).  A parameter named
 * "Signature" is left out of all three.
 *
 * Parameters and headers with a NULL name or value are skipped; the
 * caller's arrays are not reordered.  Results are palloc'd; none contains
 * the secret.
 */
extern char *cr_acs3_canonical_query(const CrParam *query, int nquery);
extern char *cr_acs3_canonical_request(const char *method, const char *path,
									   const CrParam *query, int nquery,
									   const CrParam *headers, int nheaders,
									   const char *hashed_payload,
									   char **signed_headers_out);
extern char *cr_acs3_string_to_sign(const char *canonical_request);
extern char *cr_acs3_authorization(const char *method, const char *path,
								   const CrParam *query, int nquery,
								   const CrParam *headers, int nheaders,
								   const char *hashed_payload,
								   const char *access_key_id,
								   const char *access_key_secret);
extern char *cr_alibaba_rpc_string_to_sign(const char *method,
										   const CrParam *params, int nparams);
extern char *cr_alibaba_rpc_signature(const char *method,
									  const CrParam *params, int nparams,
									  const char *access_key_secret);
extern char *cr_alibaba_rpc_query(const char *method,
								  const CrParam *params, int nparams,
								  const char *access_key_secret);

/*
 * Tencent Cloud TC3-HMAC-SHA256 (providers/tencent_sign.c).
 *
 * The canonical request takes the query string as sent ("" for a POST)
 * and the headers to sign (the caller decides which, each name once);
 * names and values are lower-cased and trimmed, lines sorted by name;
 * *signed_headers_out (if not NULL) receives "a;b".  The body is hashed as
 * body_len bytes.  The string to sign's credential scope uses the UTC
 * date of the timestamp (Unix seconds), computed without the process's
 * time zone.  cr_tc3_signing_key writes the raw 32-byte kSigning, which
 * the caller must wipe.  The authorization is "TC3-HMAC-SHA256
 * Credential=<id>/<date>/<service>/tc3_request, SignedHeaders=<list>,
 * Signature=<hex>".  Results are palloc'd; none contains the secret.
 */
extern char *cr_tc3_canonical_request(const char *method, const char *path,
									  const char *query,
									  const CrParam *headers, int nheaders,
									  const char *body, size_t body_len,
									  char **signed_headers_out);
extern char *cr_tc3_string_to_sign(int64 timestamp, const char *service,
								   const char *canonical_request);
extern void cr_tc3_signing_key(const char *secret_key, const char *date,
							   const char *service, uint8 *out32);
extern char *cr_tc3_authorization(const char *secret_id,
								  const char *secret_key,
								  const char *service, int64 timestamp,
								  const char *method, const char *path,
								  const char *query,
								  const CrParam *headers, int nheaders,
								  const char *body, size_t body_len);

#endif							/* CR_VENDOR_SIGN_H */
