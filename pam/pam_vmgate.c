/*
 * pam_vmgate: PAM account module (SPEC §9). Fails closed until complete.
 */
#define PAM_SM_ACCOUNT
#include <security/pam_modules.h>

PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc,
    const char **argv);

PAM_EXTERN int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_PERM_DENIED;
}
