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

#endif							/* CR_VENDOR_SIGN_H */
