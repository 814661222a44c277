package controller

import (
	"context"
	"fmt"

	"github.com/unbind/unbind/controller/cert"
	"github.com/unbind/unbind/controller/registry"
)

// LotPack is what an auditor's pack of a lot holds: the lot, its phones,
// their newest certificates exactly as issued, the lot's audit trail, and a
// manifest of the certificates signed with the controller's key.
type LotPack struct {
	Lot          registry.Lot
	Members      []registry.LotMember
	Certificates []registry.CertificateRecord
	Audit        []registry.AuditEntry
	// Manifest is the signed manifest file (cert.SignManifest).
	Manifest []byte
}

// LotPack gathers and signs a lot's pack; registry.ErrNotFound when there
// is no such lot.
func (c *Controller) LotPack(ctx context.Context, id string) (LotPack, error) {
	l, members, err := c.Lot(ctx, id)
	if err != nil {
		return LotPack{}, err
	}
	p := LotPack{Lot: l, Members: members}
	m := cert.Manifest{GeneratedAt: c.cfg.Now().UTC(), Lot: cert.ManifestLot{ID: l.ID, Customer: l.Customer,
		Reference: l.Reference, State: l.State, CreatedAt: l.CreatedAt, ClosedAt: l.ClosedAt},
		Phones: make([]cert.ManifestPhone, 0, len(members)), Certificates: []cert.ManifestCertificate{}}
	for _, mem := range members {
		m.Phones = append(m.Phones, cert.ManifestPhone{DeviceID: mem.DeviceID, Serial: mem.Serial, CertificateID: mem.CertificateID})
		if mem.CertificateID == "" {
			continue
		}
		rec, err := c.reg.Certificate(ctx, mem.CertificateID)
		if err != nil {
			return LotPack{}, fmt.Errorf("pack of lot %s: %w", id, err)
		}
		p.Certificates = append(p.Certificates, rec)
		m.Certificates = append(m.Certificates, cert.ManifestCertificate{ID: rec.ID, DeviceID: rec.DeviceID,
			File: cert.CertificatePath(rec.ID), SHA256: cert.FileHash(rec.Document)})
	}
	if p.Audit, err = c.reg.LotAudit(ctx, id); err != nil {
		return LotPack{}, err
	}
	if p.Manifest, err = cert.SignManifest(m, c.key); err != nil {
		return LotPack{}, err
	}
	return p, nil
}
