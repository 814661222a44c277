package controller

import (
	"context"
	"errors"
	"fmt"

	"github.com/unbind/unbind/controller/cert"
	"github.com/unbind/unbind/controller/registry"
)

// IssueCertificate returns the certificate of the device's newest release,
// issuing and storing it the first time; created says which. operator, when
// set, is recorded in the audit trail as who asked, with note.
func (c *Controller) IssueCertificate(ctx context.Context, deviceID, operator, note string) (registry.CertificateRecord, bool, error) {
	if err := ValidateNote(note); err != nil {
		return registry.CertificateRecord{}, false, err
	}
	// One issuer at a time: the release loop's, a batch's and an operator's
	// requests never store two certificates for one release.
	c.certMu.Lock()
	defer c.certMu.Unlock()
	in, err := cert.Gather(ctx, c.reg, deviceID)
	if err != nil {
		return registry.CertificateRecord{}, false, err
	}
	if in.Release.ID != "" && in.Release.Outcome == registry.OutcomeReleased {
		rec, err := c.reg.ReleaseCertificate(ctx, in.Release.ID)
		if err == nil {
			return rec, false, nil
		}
		if !errors.Is(err, registry.ErrNotFound) {
			return rec, false, err
		}
	}
	sc, err := cert.Issue(in, c.key)
	if err != nil {
		return registry.CertificateRecord{}, false, err
	}
	rec := registry.CertificateRecord{ID: sc.Doc.ID, DeviceID: deviceID, ReleaseID: in.Release.ID,
		IssuedAt: sc.Doc.IssuedAt, Document: sc.File, Note: note}
	actor := registry.ActorController
	if operator != "" {
		actor = registry.OperatorActor(operator)
	}
	if err := c.reg.StoreCertificate(ctx, rec, actor); err != nil {
		return registry.CertificateRecord{}, false, fmt.Errorf("certificate for device %s: %w", deviceID, err)
	}
	return rec, true, nil
}
