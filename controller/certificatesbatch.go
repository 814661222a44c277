package controller

import (
	"context"
	"errors"
	"fmt"

	"github.com/unbind/unbind/controller/cert"
	"github.com/unbind/unbind/controller/registry"
)

// ErrUnknownBatch: no release carries the batch ID.
var ErrUnknownBatch = errors.New("no release has this batch ID")

// BatchCertificate is one release of a batch and its certificate: Created
// when this call issued it; without one, Reason says why the phone cannot
// have one (yet).
type BatchCertificate struct {
	Release     registry.ReleaseRecord
	Certificate *registry.CertificateRecord
	Created     bool
	Reason      string
}

// batchPage bounds the releases read at once for a batch.
const batchPage = 1000

// CertifyBatch issues the certificate of every released phone of a batch
// that has none yet, in operator's name, and returns every release of the
// batch with its certificate or the reason it has none: a release that did
// not end released, a phone with a newer release, or what the certificate
// rules refuse (an identity conflict, missing evidence). Calling it again
// issues nothing twice.
func (c *Controller) CertifyBatch(ctx context.Context, batchID, operator, note string) ([]BatchCertificate, error) {
	if err := ValidateNote(note); err != nil {
		return nil, err
	}
	var recs []registry.ReleaseRecord
	list := registry.ReleaseList{BatchID: batchID, Limit: batchPage}
	for {
		page, next, err := c.reg.ListReleases(ctx, list)
		if err != nil {
			return nil, fmt.Errorf("certify batch %s: %w", batchID, err)
		}
		recs = append(recs, page...)
		if next == nil {
			break
		}
		list.After = next
	}
	if batchID == "" || len(recs) == 0 {
		return nil, fmt.Errorf("certify batch %q: %w", batchID, ErrUnknownBatch)
	}
	out := make([]BatchCertificate, 0, len(recs))
	for _, rec := range recs {
		bc, err := c.certifyOne(ctx, rec, operator, note)
		if err != nil {
			return nil, fmt.Errorf("certify batch %s: %w", batchID, err)
		}
		out = append(out, bc)
	}
	return out, nil
}

func (c *Controller) certifyOne(ctx context.Context, rec registry.ReleaseRecord, operator, note string) (BatchCertificate, error) {
	bc := BatchCertificate{Release: rec}
	if have, err := c.reg.ReleaseCertificate(ctx, rec.ID); err == nil {
		bc.Certificate = &have
		if have.Superseded != "" {
			bc.Reason = "its certificate no longer stands: " + have.Superseded
		}
		return bc, nil
	} else if !errors.Is(err, registry.ErrNotFound) {
		return bc, err
	}
	switch {
	case !rec.Finished():
		bc.Reason = "the release is still running (stage " + rec.Stage + ")"
		return bc, nil
	case rec.Outcome != registry.OutcomeReleased:
		bc.Reason = "the release ended " + rec.Outcome
		if rec.Reason != "" {
			bc.Reason += ": " + rec.Reason
		}
		return bc, nil
	}
	newest, err := c.reg.Releases(ctx, registry.ReleaseFilter{DeviceID: rec.DeviceID, Limit: 1})
	if err != nil {
		return bc, err
	}
	if len(newest) == 1 && newest[0].ID != rec.ID {
		bc.Reason = "the phone has a newer release, " + newest[0].ID + ": only its newest release is certified"
		return bc, nil
	}
	got, created, err := c.IssueCertificate(ctx, rec.DeviceID, operator, note)
	switch {
	case errors.Is(err, cert.ErrNotReleased):
		bc.Reason = err.Error()
		return bc, nil
	case err != nil:
		return bc, err
	}
	bc.Certificate, bc.Created = &got, created
	return bc, nil
}
