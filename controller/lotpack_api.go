package controller

import (
	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller/registry"
)

// The API's forms of lots, for the HTTP API and for the console's
// download of a pack, which lays it out as `unbind lot report` does from
// the API's answer (lotreport.Pack).

// LotAPI is a lot as the API shows it.
func LotAPI(l registry.Lot) api.Lot {
	return api.Lot{ID: l.ID, Customer: l.Customer, Reference: l.Reference, State: l.State, CreatedAt: l.CreatedAt,
		CreatedBy: l.CreatedBy, ClosedAt: l.ClosedAt, ClosedBy: l.ClosedBy, Devices: l.Devices}
}

// LotMemberAPI is a lot's phone as the API shows it.
func LotMemberAPI(m registry.LotMember) api.LotDevice {
	return api.LotDevice{DeviceID: m.DeviceID, Lot: m.LotID, Serial: m.Serial, IMEI: m.IMEI,
		Manufacturer: m.Manufacturer, Brand: m.Brand, Model: m.Model, Verdict: m.Verdict, RiskKinds: m.RiskKinds,
		JoinedAt: m.JoinedAt, JoinedBy: m.JoinedBy, ReleaseID: m.ReleaseID, ReleaseStage: m.ReleaseStage,
		ReleaseOutcome: m.ReleaseOutcome, ReleaseFinishedAt: m.ReleaseFinishedAt, CertificateID: m.CertificateID}
}

// AuditAPI is audit rows as the API shows them; nil stays nil.
func AuditAPI(es []registry.AuditEntry) []api.AuditEntry {
	if es == nil {
		return nil
	}
	out := make([]api.AuditEntry, 0, len(es))
	for _, e := range es {
		out = append(out, api.AuditEntry{ID: e.ID, At: e.At, DeviceID: e.DeviceID, Actor: e.Actor, Action: e.Action, Detail: e.Detail, Note: e.Note})
	}
	return out
}

// API is the pack as GET /api/v1/lots/{id}/pack answers it.
func (p LotPack) API() api.LotPack {
	out := api.LotPack{Lot: LotAPI(p.Lot), Devices: make([]api.LotDevice, 0, len(p.Members)), Audit: AuditAPI(p.Audit),
		Manifest: string(p.Manifest), Certificates: make([]api.PackCertificate, 0, len(p.Certificates))}
	for _, m := range p.Members {
		out.Devices = append(out.Devices, LotMemberAPI(m))
	}
	for _, c := range p.Certificates {
		out.Certificates = append(out.Certificates, api.PackCertificate{ID: c.ID, DeviceID: c.DeviceID, File: string(c.Document)})
	}
	return out
}
