package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/unbind/unbind/protocol"
)

var (
	// ErrUnreachable wraps the error of a request that got no answer at all.
	ErrUnreachable = errors.New("cannot reach the controller")
	// ErrBadURL: the controller's base URL does not make a request.
	ErrBadURL = errors.New("bad controller URL")
)

// Error is an answer outside 2xx. Message is the controller's own words
// when it gave some.
type Error struct {
	Method, Path string
	StatusCode   int
	Status       string
	Message      string
}

func (e *Error) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return fmt.Sprintf("%s %s: %s", e.Method, e.Path, e.Status)
}

// maxResponse bounds an answer; the largest is a device list.
const maxResponse = 64 << 20

// Client calls a controller's HTTP API.
type Client struct {
	base  string
	http  *http.Client
	hint  string
	token string
}

// NewClient returns a client for the controller at base (e.g.
// "http://127.0.0.1:8080"); hc nil means a client with a 30 s timeout.
func NewClient(base string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{base: strings.TrimRight(base, "/"), http: hc}
}

// WithHint returns c, whose errors for an unreachable controller add hint
// (for example " (is `unbind serve` running?)").
func (c *Client) WithHint(hint string) *Client {
	c.hint = hint
	return c
}

// WithToken returns c, which sends token as its operator's API token
// (Authorization: Bearer). Enrollment and /healthz need none.
func (c *Client) WithToken(token string) *Client {
	c.token = token
	return c
}

// Base is the controller's base URL.
func (c *Client) Base() string { return c.base }

// DeviceFilter selects devices; set fields combine with AND.
type DeviceFilter struct {
	Bound, Safe, Unknown, Online, Offline bool
	// Manufacturer and Model, when set, match the whole value in any case.
	Manufacturer, Model string
}

func (f DeviceFilter) query() string {
	q := url.Values{}
	for name, on := range map[string]bool{
		"bound": f.Bound, "safe": f.Safe, "unknown": f.Unknown, "online": f.Online, "offline": f.Offline,
	} {
		if on {
			q.Set(name, "true")
		}
	}
	if f.Manufacturer != "" {
		q.Set("manufacturer", f.Manufacturer)
	}
	if f.Model != "" {
		q.Set("model", f.Model)
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// Devices lists the devices matching f.
func (c *Client) Devices(ctx context.Context, f DeviceFilter) ([]Device, error) {
	var body DevicesBody
	err := c.do(ctx, http.MethodGet, PathDevices+f.query(), nil, &body)
	return body.Devices, err
}

// Device returns one device with its histories and commands.
func (c *Client) Device(ctx context.Context, id string) (DeviceDetail, error) {
	var d DeviceDetail
	err := c.do(ctx, http.MethodGet, DevicePath(id), nil, &d)
	return d, err
}

// Summary counts the registry's devices and the ingest path's messages.
func (c *Client) Summary(ctx context.Context) (SummaryBody, error) {
	var s SummaryBody
	err := c.do(ctx, http.MethodGet, PathSummary, nil, &s)
	return s, err
}

// SendCommand issues a command that cannot wipe a phone (refresh, sign_out,
// disable_find_device).
func (c *Client) SendCommand(ctx context.Context, deviceID string, kind protocol.CommandKind) (protocol.Command, error) {
	var cmd protocol.Command
	err := c.do(ctx, http.MethodPost, DeviceCommandsPath(deviceID), CommandRequest{Kind: kind}, &cmd)
	return cmd, err
}

// Commands lists a device's commands with their histories.
func (c *Client) Commands(ctx context.Context, deviceID string) ([]Command, error) {
	var body CommandsBody
	err := c.do(ctx, http.MethodGet, DeviceCommandsPath(deviceID), nil, &body)
	return body.Commands, err
}

// Cancel cancels a command that has not finished.
func (c *Client) Cancel(ctx context.Context, commandID string) (protocol.Command, error) {
	var cmd protocol.Command
	err := c.do(ctx, http.MethodPost, CancelPath(commandID), struct{}{}, &cmd)
	return cmd, err
}

// NewEnrollmentToken mints a one-time enrollment token; ttl 0 takes the
// controller's default.
func (c *Client) NewEnrollmentToken(ctx context.Context, ttl time.Duration) (EnrollmentToken, error) {
	req := TokenRequest{}
	if ttl > 0 {
		req.TTL = ttl.String()
	}
	return c.MintEnrollmentToken(ctx, req)
}

// MintEnrollmentToken mints a one-time enrollment token as req says: for
// any new device, for one new device ID, or to replace one enrolled
// device's credentials. A device ID that is already enrolled without
// Replace is an *Error with StatusCode 409.
func (c *Client) MintEnrollmentToken(ctx context.Context, req TokenRequest) (EnrollmentToken, error) {
	var tok EnrollmentToken
	err := c.do(ctx, http.MethodPost, PathEnrollTokens, req, &tok)
	return tok, err
}

// RevokeDevice revokes a device's MQTT credentials and ends its sessions.
func (c *Client) RevokeDevice(ctx context.Context, deviceID string, req RevokeRequest) error {
	return c.do(ctx, http.MethodPost, DeviceRevokePath(deviceID), req, nil)
}

// ResolveIdentity names deviceID the genuine phone of its identity
// conflicts; the other devices are disowned.
func (c *Client) ResolveIdentity(ctx context.Context, deviceID string, req ResolveIdentityRequest) (ResolveIdentityBody, error) {
	var out ResolveIdentityBody
	err := c.do(ctx, http.MethodPost, DeviceResolveIdentityPath(deviceID), req, &out)
	return out, err
}

// RevokeMonitor revokes a monitor login and ends its sessions.
func (c *Client) RevokeMonitor(ctx context.Context, name string, req RevokeRequest) error {
	return c.do(ctx, http.MethodPost, MonitorRevokePath(name), req, nil)
}

// Backup writes a consistent copy of the running controller's registry to
// w, as an SQLite file.
func (c *Client) Backup(ctx context.Context, w io.Writer) error {
	return c.download(ctx, PathBackup, w)
}

// Enroll trades a one-time token for deviceID's credentials. A refused token
// is an *Error with StatusCode 401.
func (c *Client) Enroll(ctx context.Context, token, deviceID string) (EnrollResponse, error) {
	var r EnrollResponse
	err := c.do(ctx, http.MethodPost, PathEnroll, EnrollRequest{Token: token, DeviceID: deviceID}, &r)
	return r, err
}

// NewMonitor creates (or replaces) a read-only MQTT login.
func (c *Client) NewMonitor(ctx context.Context, req MonitorRequest) (MonitorCredential, error) {
	var m MonitorCredential
	err := c.do(ctx, http.MethodPost, PathMonitors, req, &m)
	return m, err
}

// StartReleases starts releasing the phones req selects.
func (c *Client) StartReleases(ctx context.Context, req ReleaseRequest) ([]Release, error) {
	var body ReleasesBody
	err := c.do(ctx, http.MethodPost, PathReleases, req, &body)
	return body.Releases, err
}

// PlanReleases lists the phones req would release, starting nothing.
func (c *Client) PlanReleases(ctx context.Context, req ReleaseRequest) ([]Device, error) {
	req.DryRun = true
	var body DevicesBody
	err := c.do(ctx, http.MethodPost, PathReleases, req, &body)
	return body.Devices, err
}

// CancelReleases cancels the unfinished releases req names.
func (c *Client) CancelReleases(ctx context.Context, req CancelReleasesRequest) ([]CanceledRelease, error) {
	var body CanceledReleasesBody
	err := c.do(ctx, http.MethodPost, PathCancelReleases, req, &body)
	return body.Releases, err
}

// ConfirmRelease states, in the caller's name, that the phone of a release
// waiting for its reset shows the first-boot setup screen.
func (c *Client) ConfirmRelease(ctx context.Context, id string, req ConfirmReleaseRequest) (Release, error) {
	var body ReleasesBody
	err := c.do(ctx, http.MethodPost, ConfirmReleasePath(id), req, &body)
	if err == nil && len(body.Releases) != 1 {
		return Release{}, fmt.Errorf("confirm release %s: %d releases in the answer", id, len(body.Releases))
	}
	if err != nil {
		return Release{}, err
	}
	return body.Releases[0], nil
}

// ConfirmReleasePath is the route that confirms release id.
func ConfirmReleasePath(id string) string {
	return "/api/v1/releases/" + url.PathEscape(id) + "/confirm"
}

// Releases returns the releases with these IDs.
func (c *Client) Releases(ctx context.Context, ids []string) ([]Release, error) {
	rs, _, err := c.ListReleases(ctx, ReleaseQuery{IDs: ids})
	return rs, err
}

// Audit returns the newest limit entries (0: all) of the audit trail, of one
// device when deviceID is set.
func (c *Client) Audit(ctx context.Context, deviceID string, limit int) ([]AuditEntry, error) {
	return c.AuditTrail(ctx, deviceID, limit, true)
}

// AuditTrail is Audit that, with routine false, leaves out the steps of
// refresh commands (the limit then counts the other rows).
func (c *Client) AuditTrail(ctx context.Context, deviceID string, limit int, routine bool) ([]AuditEntry, error) {
	path := PathAudit
	if deviceID != "" {
		path = DeviceAuditPath(deviceID)
	}
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if !routine {
		q.Set("routine", "false")
	}
	var body AuditBody
	err := c.do(ctx, http.MethodGet, path+"?"+q.Encode(), nil, &body)
	return body.Entries, err
}

// IssueCertificate returns the certificate of the device's newest release,
// issuing it the first time.
func (c *Client) IssueCertificate(ctx context.Context, deviceID string, req CertificateRequest) (CertificateBody, error) {
	var body CertificateBody
	err := c.do(ctx, http.MethodPost, CertificatePath(deviceID), req, &body)
	return body, err
}

// Certificate returns the newest certificate issued for the device.
func (c *Client) Certificate(ctx context.Context, deviceID string) (CertificateBody, error) {
	var body CertificateBody
	err := c.do(ctx, http.MethodGet, CertificatePath(deviceID), nil, &body)
	return body, err
}

// PublicKey returns the controller's public key in PEM form.
func (c *Client) PublicKey(ctx context.Context) ([]byte, error) {
	return c.send(ctx, http.MethodGet, PathKey, nil)
}

// Me says whom the client's token belongs to.
func (c *Client) Me(ctx context.Context) (Me, error) {
	var me Me
	err := c.do(ctx, http.MethodGet, PathMe, nil, &me)
	return me, err
}

// Operators lists the operator accounts (admin).
func (c *Client) Operators(ctx context.Context) ([]Operator, error) {
	var body OperatorsBody
	err := c.do(ctx, http.MethodGet, PathOperators, nil, &body)
	return body.Operators, err
}

// AddOperator creates an operator account and returns its token, shown
// once (admin).
func (c *Client) AddOperator(ctx context.Context, req OperatorRequest) (OperatorToken, error) {
	var tok OperatorToken
	err := c.do(ctx, http.MethodPost, PathOperators, req, &tok)
	return tok, err
}

// RevokeOperator ends an operator account (admin).
func (c *Client) RevokeOperator(ctx context.Context, name, note string) error {
	return c.do(ctx, http.MethodPost, OperatorRevokePath(name), NoteRequest{Note: note}, nil)
}

// VerifyAudit checks the audit trail's hash chain.
func (c *Client) VerifyAudit(ctx context.Context) (AuditVerification, error) {
	var v AuditVerification
	err := c.do(ctx, http.MethodGet, PathAuditVerify, nil, &v)
	return v, err
}

// do sends body as JSON (when not nil) and decodes the answer into v (when
// not nil).
func (c *Client) do(ctx context.Context, method, path string, body, v any) error {
	b, err := c.send(ctx, method, path, body)
	if err != nil || v == nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}

// send runs one call and returns the body of a 2xx answer.
func (c *Client) send(ctx context.Context, method, path string, body any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode request for %s: %w", path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrBadURL, c.base, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w at %s%s: %w", ErrUnreachable, c.base, c.hint, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if resp.StatusCode/100 != 2 {
		e := &Error{Method: method, Path: path, StatusCode: resp.StatusCode, Status: resp.Status}
		var eb ErrorBody
		if json.Unmarshal(b, &eb) == nil {
			e.Message = eb.Error
		}
		return nil, e
	}
	return b, nil
}
