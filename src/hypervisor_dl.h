/*
 * hypervisor_dl.h: libvirt is loaded with dlopen the first time the
 * hypervisor module needs it, not at program start. Loading libvirt and
 * the ~60 libraries it pulls in costs more than everything else vmgate
 * does for `authorized-keys`, which sshd runs at every login and which
 * rarely needs libvirt. Included by hypervisor_int.h only: after it, each
 * libvirt function name below calls through a pointer that hv_dl_load
 * filled.
 */
#ifndef VMGATE_HYPERVISOR_DL_H
#define VMGATE_HYPERVISOR_DL_H

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#define HV_DL_LIBVIRT "libvirt.so.0"
/* domain XML is read and edited with libxml2, which libvirt loads anyway */
#define HV_DL_LIBXML "libxml2.so.2"

/* the libvirt functions vmgate calls */
#define HV_DL_FUNCS(X) \
	X(virConnectClose) \
	X(virConnectDomainEventDeregisterAny) \
	X(virConnectDomainEventRegisterAny) \
	X(virConnectIsAlive) \
	X(virConnectOpen) \
	X(virConnectRegisterCloseCallback) \
	X(virConnectSetKeepAlive) \
	X(virConnectUnregisterCloseCallback) \
	X(virDomainCreate) \
	X(virDomainCreateXML) \
	X(virDomainDestroy) \
	X(virDomainFree) \
	X(virDomainGetInfo) \
	X(virDomainGetState) \
	X(virDomainGetXMLDesc) \
	X(virDomainInterfaceAddresses) \
	X(virDomainInterfaceFree) \
	X(virDomainIsActive) \
	X(virDomainLookupByName) \
	X(virDomainOpenConsole) \
	X(virDomainReboot) \
	X(virDomainReset) \
	X(virDomainScreenshot) \
	X(virDomainSendKey) \
	X(virDomainShutdown) \
	X(virDomainUpdateDeviceFlags) \
	X(virEventAddHandle) \
	X(virEventAddTimeout) \
	X(virEventRegisterDefaultImpl) \
	X(virEventRemoveHandle) \
	X(virEventRemoveTimeout) \
	X(virEventRunDefaultImpl) \
	X(virEventUpdateHandle) \
	X(virEventUpdateTimeout) \
	X(virGetLastError) \
	X(virInitialize) \
	X(virGetLastErrorCode) \
	X(virGetLastErrorMessage) \
	X(virSetErrorFunc) \
	X(virStreamAbort) \
	X(virStreamEventAddCallback) \
	X(virStreamEventRemoveCallback) \
	X(virStreamEventUpdateCallback) \
	X(virStreamFinish) \
	X(virStreamFree) \
	X(virStreamNew) \
	X(virStreamRecv) \
	X(virStreamSend)

/* the libxml2 functions vmgate calls (tree and XPath API) */
#define HV_DL_XML_FUNCS(X) \
	X(xmlAddChild) \
	X(xmlBufferContent) \
	X(xmlBufferCreate) \
	X(xmlBufferFree) \
	X(xmlDocGetRootElement) \
	X(xmlFreeDoc) \
	X(xmlFreeNode) \
	X(xmlHasProp) \
	X(xmlNewNode) \
	X(xmlNodeDump) \
	X(xmlReadMemory) \
	X(xmlSetProp) \
	X(xmlUnlinkNode) \
	X(xmlXPathEvalExpression) \
	X(xmlXPathFreeContext) \
	X(xmlXPathFreeObject) \
	X(xmlXPathNewContext)

#define HV_DL_DECLARE(f) extern __typeof__(f) *hv_dl_##f;
HV_DL_FUNCS(HV_DL_DECLARE)
HV_DL_XML_FUNCS(HV_DL_DECLARE)
#undef HV_DL_DECLARE

/* 0 when libvirt and libxml2 are loaded (once per process), -1 otherwise */
int hv_dl_load(void);
/* why hv_dl_load failed, for the log */
const char *hv_dl_error(void);

#define virConnectClose (*hv_dl_virConnectClose)
#define virConnectDomainEventDeregisterAny (*hv_dl_virConnectDomainEventDeregisterAny)
#define virConnectDomainEventRegisterAny (*hv_dl_virConnectDomainEventRegisterAny)
#define virConnectIsAlive (*hv_dl_virConnectIsAlive)
#define virConnectOpen (*hv_dl_virConnectOpen)
#define virConnectRegisterCloseCallback (*hv_dl_virConnectRegisterCloseCallback)
#define virConnectSetKeepAlive (*hv_dl_virConnectSetKeepAlive)
#define virConnectUnregisterCloseCallback (*hv_dl_virConnectUnregisterCloseCallback)
#define virDomainCreate (*hv_dl_virDomainCreate)
#define virDomainCreateXML (*hv_dl_virDomainCreateXML)
#define virDomainDestroy (*hv_dl_virDomainDestroy)
#define virDomainFree (*hv_dl_virDomainFree)
#define virDomainGetInfo (*hv_dl_virDomainGetInfo)
#define virDomainGetState (*hv_dl_virDomainGetState)
#define virDomainGetXMLDesc (*hv_dl_virDomainGetXMLDesc)
#define virDomainInterfaceAddresses (*hv_dl_virDomainInterfaceAddresses)
#define virDomainInterfaceFree (*hv_dl_virDomainInterfaceFree)
#define virDomainIsActive (*hv_dl_virDomainIsActive)
#define virDomainLookupByName (*hv_dl_virDomainLookupByName)
#define virDomainOpenConsole (*hv_dl_virDomainOpenConsole)
#define virDomainReboot (*hv_dl_virDomainReboot)
#define virDomainReset (*hv_dl_virDomainReset)
#define virDomainScreenshot (*hv_dl_virDomainScreenshot)
#define virDomainSendKey (*hv_dl_virDomainSendKey)
#define virDomainShutdown (*hv_dl_virDomainShutdown)
#define virDomainUpdateDeviceFlags (*hv_dl_virDomainUpdateDeviceFlags)
#define virEventAddHandle (*hv_dl_virEventAddHandle)
#define virEventAddTimeout (*hv_dl_virEventAddTimeout)
#define virEventRegisterDefaultImpl (*hv_dl_virEventRegisterDefaultImpl)
#define virEventRemoveHandle (*hv_dl_virEventRemoveHandle)
#define virEventRemoveTimeout (*hv_dl_virEventRemoveTimeout)
#define virEventRunDefaultImpl (*hv_dl_virEventRunDefaultImpl)
#define virEventUpdateHandle (*hv_dl_virEventUpdateHandle)
#define virEventUpdateTimeout (*hv_dl_virEventUpdateTimeout)
#define virGetLastError (*hv_dl_virGetLastError)
#define virInitialize (*hv_dl_virInitialize)
#define virGetLastErrorCode (*hv_dl_virGetLastErrorCode)
#define virGetLastErrorMessage (*hv_dl_virGetLastErrorMessage)
#define virSetErrorFunc (*hv_dl_virSetErrorFunc)
#define virStreamAbort (*hv_dl_virStreamAbort)
#define virStreamEventAddCallback (*hv_dl_virStreamEventAddCallback)
#define virStreamEventRemoveCallback (*hv_dl_virStreamEventRemoveCallback)
#define virStreamEventUpdateCallback (*hv_dl_virStreamEventUpdateCallback)
#define virStreamFinish (*hv_dl_virStreamFinish)
#define virStreamFree (*hv_dl_virStreamFree)
#define virStreamNew (*hv_dl_virStreamNew)
#define virStreamRecv (*hv_dl_virStreamRecv)
#define virStreamSend (*hv_dl_virStreamSend)

#define xmlAddChild (*hv_dl_xmlAddChild)
#define xmlBufferContent (*hv_dl_xmlBufferContent)
#define xmlBufferCreate (*hv_dl_xmlBufferCreate)
#define xmlBufferFree (*hv_dl_xmlBufferFree)
#define xmlDocGetRootElement (*hv_dl_xmlDocGetRootElement)
#define xmlFreeDoc (*hv_dl_xmlFreeDoc)
#define xmlFreeNode (*hv_dl_xmlFreeNode)
#define xmlHasProp (*hv_dl_xmlHasProp)
#define xmlNewNode (*hv_dl_xmlNewNode)
#define xmlNodeDump (*hv_dl_xmlNodeDump)
#define xmlReadMemory (*hv_dl_xmlReadMemory)
#define xmlSetProp (*hv_dl_xmlSetProp)
#define xmlUnlinkNode (*hv_dl_xmlUnlinkNode)
#define xmlXPathEvalExpression (*hv_dl_xmlXPathEvalExpression)
#define xmlXPathFreeContext (*hv_dl_xmlXPathFreeContext)
#define xmlXPathFreeObject (*hv_dl_xmlXPathFreeObject)
#define xmlXPathNewContext (*hv_dl_xmlXPathNewContext)

#endif
