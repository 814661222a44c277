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
// release, issuing and storing one when there is none; created says which.
// operator, when set, is recorded in the audit trail as who asked, with
// note.
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
		if err == nil && rec.Superseded == "" {
			return rec, false, nil
		}
		if err != nil && !errors.Is(err, registry.ErrNotFound) {
			return rec, false, err
		}
	}
	sc, err := cert.Issue(in, c.key)
	if err != nil {
		return registry.CertificateRecord{}, false, err
	}
	rec, err := c.storeCertificate(ctx, in, sc, operator, note)
	return rec, err == nil, err
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
// name: issued when the release ends; replaced, the old one superseded,
// when the evidence grew (the phone seen clean after its reset); superseded
// when the certificate rules no longer allow one (a report from the boot
// before the reset contradicts an operator's confirmation, an identity
// conflict). What cannot be issued is logged with why; `unbind cert issue
// --batch` lists it.
func (c *Controller) certifyReleased(ctx context.Context, recs ...registry.ReleaseRecord) {
	for _, rec := range recs {
		if rec.Outcome != registry.OutcomeReleased {
			continue
		}
		if err := c.keepCertificate(ctx, rec); err != nil && ctx.Err() == nil {
			c.log.Warn("certificate of a released phone", "device", rec.DeviceID, "release", rec.ID, "err", err)
		}
	}
}

func (c *Controller) keepCertificate(ctx context.Context, rec registry.ReleaseRecord) error {
	c.certMu.Lock()
	defer c.certMu.Unlock()
	have, err := c.reg.ReleaseCertificate(ctx, rec.ID)
	if err != nil && !errors.Is(err, registry.ErrNotFound) {
		return err
	}
	standing := err == nil && have.Superseded == ""
	in, err := cert.Gather(ctx, c.reg, rec.DeviceID)
	if err != nil {
		return err
	}
	if in.Release.ID != rec.ID {
		return nil // a newer release of the phone is the one that counts
	}
	now := c.cfg.Now().UTC()
	sc, err := cert.Issue(in, c.key)
	switch {
	case errors.Is(err, cert.ErrNotReleased) && standing:
		c.log.Info("certificate superseded", "device", rec.DeviceID, "release", rec.ID, "certificate", have.ID, "why", err)
		return c.reg.SupersedeCertificate(ctx, have.ID, "no longer stands: "+err.Error(), registry.ActorController, now)
	case errors.Is(err, cert.ErrNotReleased):
		c.log.Info("certificate not issued", "device", rec.DeviceID, "release", rec.ID, "why", err)
		return nil
	case err != nil:
		return err
	case standing && !moreEvidence(have, sc):
		return nil
	}
	got, err := c.storeCertificate(ctx, in, sc, "", "")
	if err != nil {
		return err
	}
	c.log.Info("certificate issued", "device", rec.DeviceID, "release", rec.ID, "certificate", got.ID)
	if standing {
		return c.reg.SupersedeCertificate(ctx, have.ID, "replaced by certificate "+got.ID+", which rests on more evidence of the reset",
			registry.ActorController, now)
	}
	return nil
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
