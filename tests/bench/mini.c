/*
 * mini: the least a program can do to answer "what state is machine NAME
 * in": connect to libvirt, look the domain up, ask for its state. The
 * benchmark's yardstick for `vmgate status`. With --full it also makes the
 * calls vmgate's status makes (info, XML, then addresses from the leases
 * when the machine has a network interface and from its guest agent when
 * it has one), to show what those cost on their own.
 *
 *     mini URI NAME [--full]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

static void
quiet(void *opaque, virErrorPtr err)
{
	(void)opaque;
	(void)err;
}

int
main(int argc, char **argv)
{
	virConnectPtr conn = NULL;
	virDomainPtr dom = NULL;
	virDomainInfo info;
	virDomainInterfacePtr *ifaces = NULL;
	char *xml = NULL;
	int state, reason, n, i, ret = 1;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: mini URI NAME [--full]\n");
		return 64;
	}
	virSetErrorFunc(NULL, quiet);
	if ((conn = virConnectOpen(argv[1])) == NULL)
		goto out;
	if ((dom = virDomainLookupByName(conn, argv[2])) == NULL)
		goto out;
	if (virDomainGetState(dom, &state, &reason, 0) != 0)
		goto out;
	printf("state: %d\n", state);
	if (argc == 4 && strcmp(argv[3], "--full") == 0) {
		if (virDomainGetInfo(dom, &info) != 0 ||
		    (xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_SECURE)) ==
		    NULL)
			goto out;
		if (info.state == VIR_DOMAIN_RUNNING &&
		    strstr(xml, "<interface ") != NULL) {
			n = virDomainInterfaceAddresses(dom, &ifaces,
			    VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE, 0);
			for (i = 0; i < n; i++)
				virDomainInterfaceFree(ifaces[i]);
			free(ifaces);
			ifaces = NULL;
			if (n <= 0 && strstr(xml, "org.qemu.guest_agent.0")) {
				n = virDomainInterfaceAddresses(dom, &ifaces,
				    VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT, 0);
				for (i = 0; i < n; i++)
					virDomainInterfaceFree(ifaces[i]);
				free(ifaces);
			}
		}
	}
	ret = 0;
 out:
	free(xml);
	if (dom != NULL)
		virDomainFree(dom);
	if (conn != NULL)
		virConnectClose(conn);
	return ret;
}
