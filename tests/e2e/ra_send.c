/*
 * ra_send: what a guest acting as a rogue router sends. Three router
 * advertisements on IFACE to all nodes (ff02::1), one second apart, each
 * announcing PREFIX/64 for autoconfiguration. Runs inside the Linux guest
 * of test_net (built static, put in its initramfs).
 *
 *     ra_send IFACE PREFIX
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RA_COUNT	3
#define RA_HOPS		255	/* receivers drop an RA with any other */

struct ra {
	struct nd_router_advert head;
	struct nd_opt_prefix_info prefix;
};

int
main(int argc, char **argv)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6 };
	struct ra ra;
	unsigned ifindex;
	int fd, hops = RA_HOPS, i;

	if (argc != 3) {
		fprintf(stderr, "usage: ra_send IFACE PREFIX\n");
		return 64;
	}
	memset(&ra, 0, sizeof(ra));
	ra.head.nd_ra_type = ND_ROUTER_ADVERT;
	ra.head.nd_ra_curhoplimit = 64;
	ra.head.nd_ra_router_lifetime = htons(1800);
	ra.prefix.nd_opt_pi_type = ND_OPT_PREFIX_INFORMATION;
	ra.prefix.nd_opt_pi_len = sizeof(ra.prefix) / 8;
	ra.prefix.nd_opt_pi_prefix_len = 64;
	ra.prefix.nd_opt_pi_flags_reserved = ND_OPT_PI_FLAG_ONLINK |
	    ND_OPT_PI_FLAG_AUTO;
	ra.prefix.nd_opt_pi_valid_time = htonl(86400);
	ra.prefix.nd_opt_pi_preferred_time = htonl(14400);
	if (inet_pton(AF_INET6, argv[2], &ra.prefix.nd_opt_pi_prefix) != 1 ||
	    (ifindex = if_nametoindex(argv[1])) == 0) {
		fprintf(stderr, "ra_send: bad interface or prefix\n");
		return 64;
	}
	inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
	to.sin6_scope_id = ifindex;
	/* the kernel fills in the ICMPv6 checksum and the link-local source */
	if ((fd = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
	    sizeof(hops)) != 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex,
	    sizeof(ifindex)) != 0) {
		perror("ra_send: socket");
		return 1;
	}
	for (i = 0; i < RA_COUNT; i++) {
		if (i > 0)
			sleep(1);
		if (sendto(fd, &ra, sizeof(ra), 0, (struct sockaddr *)&to,
		    sizeof(to)) != (ssize_t)sizeof(ra)) {
			perror("ra_send: sendto");
			return 1;
		}
	}
	printf("ra_send: %d advertisements of %s/64 sent\n", RA_COUNT, argv[2]);
	return 0;
}
