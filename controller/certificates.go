package controller

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/unbind/unbind/controller/cert"
	"github.com/unbind/unbind/controller/registry"
)

// IssueCertificate returns the standing certificate of the device's newest
// release, issuing and storing one when there is none, or when the release
// now rests on more evidence than the standing one shows (that one is then
// superseded); created says whether one was issued. When the certificate
// rules no longer allow one, a standing certificate is superseded and the
// refusal returned. operator, when set, is recorded in the audit trail as
// who asked, with note; otherwise the controller is.
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
	var have registry.CertificateRecord
	standing := false
	if in.Release.ID != "" && in.Release.Outcome == registry.OutcomeReleased {
		have, err = c.reg.ReleaseCertificate(ctx, in.Release.ID)
		if err != nil && !errors.Is(err, registry.ErrNotFound) {
			return have, false, err
		}
		standing = err == nil && have.Superseded == ""
	}
	now := c.cfg.Now().UTC()
	sc, err := cert.Issue(in, c.key)
	switch {
	case errors.Is(err, cert.ErrNotReleased) && standing:
		c.log.Info("certificate superseded", "device", deviceID, "release", in.Release.ID, "certificate", have.ID, "why", err)
		if serr := c.reg.SupersedeCertificate(ctx, have.ID, "no longer stands: "+err.Error(), registry.ActorController, now); serr != nil {
			return registry.CertificateRecord{}, false, serr
		}
		return registry.CertificateRecord{}, false, err
	case err != nil:
		return registry.CertificateRecord{}, false, err
	case standing && !moreEvidence(have, sc):
		return have, false, nil
	}
	rec, err := c.storeCertificate(ctx, in, sc, operator, note)
	if err != nil {
		return rec, false, err
	}
	if standing {
		if err := c.reg.SupersedeCertificate(ctx, have.ID, "replaced by certificate "+rec.ID+", which rests on more evidence of the reset",
			registry.ActorController, now); err != nil {
			return rec, true, err
		}
	}
	return rec, true, nil
}

func (c *Controller) storeCertificate(ctx context.Context, in cert.Inputs, sc cert.SignedCertificate, operator, note string) (registry.CertificateRecord, error) {
	rec := registry.CertificateRecord{ID: sc.Doc.ID, DeviceID: in.Device.ID, ReleaseID: in.Release.ID,
		IssuedAt: sc.Doc.IssuedAt, Document: sc.File, Note: note}
	actor := registry.ActorController
	if operator != "" {
		actor = registry.OperatorActor(operator)
	}
	if err := c.reg.StoreCertificate(ctx, rec, actor); err != nil {
		return registry.CertificateRecord{}, fmt.Errorf("certificate for device %s: %w", in.Device.ID, err)
	}
	return rec, nil
}

// certifyReleased keeps the certificate of each release that ended
// released in step with what is known of its reset, in the controller's
// name (IssueCertificate): issued when the release ends; replaced when the
// phone is seen clean after its reset; superseded when the certificate rules
// no longer allow one (a report from the boot before the reset contradicts
// an operator's confirmation, an identity conflict). What cannot be issued
// is logged with why; `unbind cert issue --batch` lists it.
func (c *Controller) certifyReleased(ctx context.Context, recs ...registry.ReleaseRecord) {
	for _, rec := range recs {
		if rec.Outcome != registry.OutcomeReleased {
			continue
		}
		got, created, err := c.IssueCertificate(ctx, rec.DeviceID, "", "")
		switch {
		case errors.Is(err, cert.ErrNotReleased):
			c.log.Info("certificate not issued", "device", rec.DeviceID, "release", rec.ID, "why", err)
		case err != nil && ctx.Err() == nil:
			c.log.Warn("certificate of a released phone", "device", rec.DeviceID, "release", rec.ID, "err", err)
		case created:
			c.log.Info("certificate issued", "device", rec.DeviceID, "release", got.ReleaseID, "certificate", got.ID)
		}
	}
}

// moreEvidence reports whether next names a kind of evidence of the reset
// that the certificate have does not.
func moreEvidence(have registry.CertificateRecord, next cert.SignedCertificate) bool {
	old, err := cert.Parse(have.Document)
	if err != nil {
		return true // an unreadable certificate is better replaced
	}
	for _, e := range next.Doc.Evidence {
		if !slices.ContainsFunc(old.Doc.Evidence, func(o cert.Evidence) bool { return o.Kind == e.Kind }) {
			return true
		}
	}
	return false
}
