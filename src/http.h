/*-------------------------------------------------------------------------
 *
 * http.h
 *		  The transport's interface (http.c); no curl types leak out.
 *
 * IDENTIFICATION
 *		  src/http.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CR_HTTP_H
#define CR_HTTP_H

#include "callrecord_fdw.h"

typedef struct CrHttp CrHttp;

typedef struct CrHttpConfig
{
	const char *ca_file;		/* NULL: the system store */
	int			timeout_ms;
	int			connect_timeout_ms;
	const char *request_id_header;
	int			slots;			/* requests in flight at most */

	/*
	 * Called when the transport goes away (close, or the owning memory
	 * context is reset or deleted, during abort too) once for each request
	 * in flight whose departure was not reported by cr_http_next_sent:
	 * sent_us is when it left, or 0 if it never did.  It must not ereport.
	 */
	void		(*on_release) (void *arg, int64 sent_us);
	void	   *on_release_arg;
} CrHttpConfig;

extern void cr_http_global_init(void);
extern CrHttp *cr_http_create(MemoryContext cxt, const CrHttpConfig *cfg);
extern void cr_http_start(CrHttp *h, int tag, const CrHttpRequest *req);
extern int	cr_http_inflight(CrHttp *h);
extern void cr_http_progress(CrHttp *h);
extern bool cr_http_next_sent(CrHttp *h, int64 *sent_us);
extern int64 cr_http_bytes_received(CrHttp *h);
extern bool cr_http_wait(CrHttp *h, int64 wake_at_us, int *tag,
						 CrHttpResponse *resp);
extern void cr_http_close(CrHttp *h);
extern void cr_http_fetch(const CrHttpConfig *cfg, const CrHttpRequest *req,
						  CrHttpResponse *resp);

/* The parts of an http(s) URL, as libcurl parses it. */
typedef struct CrUrl
{
	char	   *scheme;			/* lower case */
	char	   *host;			/* as written; IPv6 in brackets */
	int			port;			/* explicit or the scheme's default */
	char	   *path;			/* "/" at least */
	char	   *host_header;	/* the Host header curl sends: host[:port] */
} CrUrl;

extern bool cr_url_split(const char *url, CrUrl *out);
extern bool cr_url_same_origin(const char *url, const char *base);

#endif							/* CR_HTTP_H */
