/*-------------------------------------------------------------------------
 *
 * msgraph_auth.h
 *		  OAuth 2.0 client credentials for Microsoft Graph (msgraph_auth.c).
 *
 * IDENTIFICATION
 *		  src/providers/msgraph_auth.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CR_MSGRAPH_AUTH_H
#define CR_MSGRAPH_AUTH_H

#include "callrecord_fdw.h"

extern const char *cr_msgraph_token(const CrOptions *opts, const CrAccount *acct);
extern void cr_msgraph_forget_token(const CrOptions *opts, const CrAccount *acct,
									int64 sent_us);
extern int	cr_msgraph_token_requests(void);

#endif							/* CR_MSGRAPH_AUTH_H */
