/*
 * gnutls_none — the GnuTLS functions libmicrohttpd's static archive refers to, for a ddbchat
 * that serves no TLS.  Layer: server (linked into the ddbchat executable only, with
 * Debian's libmicrohttpd.a: CMakeLists.txt, DDB_STATIC_DEPS).
 *
 * Debian builds libmicrohttpd with HTTPS support, so the shared library brings GnuTLS and its
 * eight libraries (p11-kit, libunistring, nettle, hogweed, gmp, libidn2, libtasn1, libffi)
 * into every ddbchat process: ~2.3 MB of its idle RSS and ~2 ms of CPU per start, mostly the
 * loader binding ~2,700 of their symbols (BENCHMARKS.md, session 8 and 13; issue 13.4).
 * ddbchat never asks for TLS (http.c never passes MHD_USE_TLS), and libmicrohttpd calls
 * GnuTLS only for a daemon started with that flag -- except gnutls_global_init and
 * gnutls_global_deinit, from its own constructor and destructor.  So ddbchat links the static
 * archive and these definitions instead of GnuTLS: the two global calls succeed and do
 * nothing; every other one, which only a TLS daemon could reach, fails as GnuTLS does for a
 * feature it lacks (GNUTLS_E_UNIMPLEMENTED_FEATURE, NULL, or nothing), so a TLS daemon would
 * refuse to start or drop the connection, never run without encryption.
 *
 * The prototypes are GnuTLS's own (its header), so a mismatch fails the build.  Nothing here
 * is exported (ddbchat links no shared library that needs these names), so a GnuTLS loaded
 * later (a libcurl built on it, through dlopen) is not affected.
 * Tests: tests/unit/check_needed.sh (libgnutls is not NEEDED), tests/e2e/test_protocol.py.
 */
#include <stdlib.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#define GNUTLS_NONE GNUTLS_E_UNIMPLEMENTED_FEATURE

gnutls_alloc_function gnutls_malloc = malloc;

int gnutls_global_init(void)
{
    return 0;
}

void gnutls_global_deinit(void)
{
}

const char *gnutls_strerror(int error)
{
    (void)error;
    return "TLS is not built into this program";
}

int gnutls_init(gnutls_session_t *session, unsigned int flags)
{
    (void)flags;
    *session = NULL;
    return GNUTLS_NONE;
}

void gnutls_deinit(gnutls_session_t session)
{
    (void)session;
}

int gnutls_handshake(gnutls_session_t session)
{
    (void)session;
    return GNUTLS_NONE;
}

int gnutls_bye(gnutls_session_t session, gnutls_close_request_t how)
{
    (void)session;
    (void)how;
    return GNUTLS_NONE;
}

ssize_t gnutls_record_recv(gnutls_session_t session, void *data, size_t data_size)
{
    (void)session;
    (void)data;
    (void)data_size;
    return GNUTLS_NONE;
}

ssize_t gnutls_record_send(gnutls_session_t session, const void *data, size_t data_size)
{
    (void)session;
    (void)data;
    (void)data_size;
    return GNUTLS_NONE;
}

size_t gnutls_record_check_pending(gnutls_session_t session)
{
    (void)session;
    return 0;
}

int gnutls_record_get_direction(gnutls_session_t session)
{
    (void)session;
    return 0;
}

void *gnutls_session_get_ptr(gnutls_session_t session)
{
    (void)session;
    return NULL;
}

void gnutls_session_set_ptr(gnutls_session_t session, void *ptr)
{
    (void)session;
    (void)ptr;
}

void gnutls_transport_set_int2(gnutls_session_t session, int r, int s)
{
    (void)session;
    (void)r;
    (void)s;
}

gnutls_cipher_algorithm_t gnutls_cipher_get(gnutls_session_t session)
{
    (void)session;
    return GNUTLS_CIPHER_UNKNOWN;
}

gnutls_protocol_t gnutls_protocol_get_version(gnutls_session_t session)
{
    (void)session;
    return GNUTLS_VERSION_UNKNOWN;
}

int gnutls_alpn_set_protocols(gnutls_session_t session, const gnutls_datum_t *protocols,
                              unsigned protocols_size, unsigned flags)
{
    (void)session;
    (void)protocols;
    (void)protocols_size;
    (void)flags;
    return GNUTLS_NONE;
}

int gnutls_credentials_set(gnutls_session_t session, gnutls_credentials_type_t type, void *cred)
{
    (void)session;
    (void)type;
    (void)cred;
    return GNUTLS_NONE;
}

int gnutls_priority_init(gnutls_priority_t *priority_cache, const char *priorities,
                         const char **err_pos)
{
    (void)priorities;
    *priority_cache = NULL;
    if (err_pos)
        *err_pos = NULL;
    return GNUTLS_NONE;
}

void gnutls_priority_deinit(gnutls_priority_t priority_cache)
{
    (void)priority_cache;
}

int gnutls_priority_set(gnutls_session_t session, gnutls_priority_t priority)
{
    (void)session;
    (void)priority;
    return GNUTLS_NONE;
}

int gnutls_certificate_allocate_credentials(gnutls_certificate_credentials_t *res)
{
    *res = NULL;
    return GNUTLS_NONE;
}

void gnutls_certificate_free_credentials(gnutls_certificate_credentials_t sc)
{
    (void)sc;
}

void gnutls_certificate_server_set_request(gnutls_session_t session,
                                           gnutls_certificate_request_t req)
{
    (void)session;
    (void)req;
}

void gnutls_certificate_set_dh_params(gnutls_certificate_credentials_t res,
                                      gnutls_dh_params_t dh_params)
{
    (void)res;
    (void)dh_params;
}

void gnutls_certificate_set_retrieve_function2(gnutls_certificate_credentials_t cred,
                                               gnutls_certificate_retrieve_function2 *func)
{
    (void)cred;
    (void)func;
}

void gnutls_certificate_set_retrieve_function3(gnutls_certificate_credentials_t cred,
                                               gnutls_certificate_retrieve_function3 *func)
{
    (void)cred;
    (void)func;
}

int gnutls_certificate_set_x509_key_mem(gnutls_certificate_credentials_t res,
                                        const gnutls_datum_t *cert, const gnutls_datum_t *key,
                                        gnutls_x509_crt_fmt_t type)
{
    (void)res;
    (void)cert;
    (void)key;
    (void)type;
    return GNUTLS_NONE;
}

int gnutls_certificate_set_x509_key_mem2(gnutls_certificate_credentials_t res,
                                         const gnutls_datum_t *cert, const gnutls_datum_t *key,
                                         gnutls_x509_crt_fmt_t type, const char *pass,
                                         unsigned int flags)
{
    (void)res;
    (void)cert;
    (void)key;
    (void)type;
    (void)pass;
    (void)flags;
    return GNUTLS_NONE;
}

int gnutls_certificate_set_x509_trust_mem(gnutls_certificate_credentials_t res,
                                          const gnutls_datum_t *ca, gnutls_x509_crt_fmt_t type)
{
    (void)res;
    (void)ca;
    (void)type;
    return GNUTLS_NONE;
}

int gnutls_dh_params_init(gnutls_dh_params_t *dh_params)
{
    *dh_params = NULL;
    return GNUTLS_NONE;
}

void gnutls_dh_params_deinit(gnutls_dh_params_t dh_params)
{
    (void)dh_params;
}

int gnutls_dh_params_import_pkcs3(gnutls_dh_params_t params, const gnutls_datum_t *pkcs3_params,
                                  gnutls_x509_crt_fmt_t format)
{
    (void)params;
    (void)pkcs3_params;
    (void)format;
    return GNUTLS_NONE;
}

int gnutls_psk_allocate_server_credentials(gnutls_psk_server_credentials_t *sc)
{
    *sc = NULL;
    return GNUTLS_NONE;
}

void gnutls_psk_free_server_credentials(gnutls_psk_server_credentials_t sc)
{
    (void)sc;
}

void gnutls_psk_set_server_credentials_function(gnutls_psk_server_credentials_t cred,
                                                gnutls_psk_server_credentials_function *func)
{
    (void)cred;
    (void)func;
}
