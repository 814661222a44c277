package api

import "net/url"

// Paths of the API, relative to the controller's base URL. Builders escape
// their IDs.
const (
	PathHealth       = "/healthz"
	PathDevices      = "/api/v1/devices"
	PathSummary      = "/api/v1/summary"
	PathEnroll       = "/api/v1/enroll"
	PathEnrollTokens = "/api/v1/enroll/tokens"
	PathMonitors     = "/api/v1/monitors"
	PathReleases     = "/api/v1/releases"
	// PathCancelReleases cancels unfinished releases (CancelReleasesRequest).
	PathCancelReleases = "/api/v1/releases/cancel"
	// PathConfirmRelease is ConfirmReleasePath's pattern.
	PathConfirmRelease = "/api/v1/releases/{id}/confirm"
	PathAudit          = "/api/v1/audit"
	PathKey            = "/api/v1/key"
	PathMe             = "/api/v1/me"
	PathOperators      = "/api/v1/operators"
	PathAuditVerify    = "/api/v1/audit/verify"
	// PathBackup answers a consistent copy of the registry file.
	PathBackup = "/api/v1/backup"
	// PathExport answers one row per phone, in CSV or JSON (ExportRow).
	PathExport = "/api/v1/export"
)

// DevicePath is GET /api/v1/devices/{id}.
func DevicePath(id string) string { return PathDevices + "/" + url.PathEscape(id) }

// DeviceCommandsPath is GET and POST /api/v1/devices/{id}/commands.
func DeviceCommandsPath(id string) string { return DevicePath(id) + "/commands" }

// DeviceAuditPath is GET /api/v1/devices/{id}/audit.
func DeviceAuditPath(id string) string { return DevicePath(id) + "/audit" }

// CertificatePath is GET and POST /api/v1/devices/{id}/certificate.
func CertificatePath(id string) string { return DevicePath(id) + "/certificate" }

// DeviceRevokePath is POST /api/v1/devices/{id}/revoke.
func DeviceRevokePath(id string) string { return DevicePath(id) + "/revoke" }

// DeviceResolveIdentityPath is POST /api/v1/devices/{id}/resolve-identity.
func DeviceResolveIdentityPath(id string) string { return DevicePath(id) + "/resolve-identity" }

// MonitorRevokePath is POST /api/v1/monitors/{name}/revoke.
func MonitorRevokePath(name string) string {
	return PathMonitors + "/" + url.PathEscape(name) + "/revoke"
}

// CancelPath is POST /api/v1/commands/{id}/cancel.
func CancelPath(commandID string) string {
	return "/api/v1/commands/" + url.PathEscape(commandID) + "/cancel"
}

// OperatorRevokePath is POST /api/v1/operators/{name}/revoke.
func OperatorRevokePath(name string) string {
	return PathOperators + "/" + url.PathEscape(name) + "/revoke"
}
