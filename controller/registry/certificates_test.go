package registry

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

func TestCertificates(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		ctx := context.Background()
		s := openOn(t, e, Options{})
		applyOK(t, s, presenceUpd("d1", protocol.Online, at(0)), presenceUpd("d2", protocol.Online, at(0)))
		require.NoError(t, s.CreateRelease(ctx, releaseRec("r1", "d1", at(1))))
		require.NoError(t, s.CreateRelease(ctx, releaseRec("r2", "d1", at(2))))

		_, err := s.LatestCertificate(ctx, "d1")
		assert.ErrorIs(t, err, ErrNotFound)

		c1 := CertificateRecord{ID: "c1", DeviceID: "d1", ReleaseID: "r1", IssuedAt: at(10), Document: []byte(`{"a":1}`)}
		c2 := CertificateRecord{ID: "c2", DeviceID: "d1", ReleaseID: "r2", IssuedAt: at(20), Document: []byte("{\n  \"b\": 2\n}")}
		require.NoError(t, s.StoreCertificate(ctx, c1, OperatorActor("ana")))
		require.NoError(t, s.StoreCertificate(ctx, c2, OperatorActor("ana")))

		got, err := s.Certificate(ctx, "c1")
		require.NoError(t, err)
		assert.Equal(t, c1, got)
		got, err = s.LatestCertificate(ctx, "d1")
		require.NoError(t, err)
		assert.Equal(t, c2, got, "newest, document byte for byte")
		got, err = s.ReleaseCertificate(ctx, "r1")
		require.NoError(t, err)
		assert.Equal(t, "c1", got.ID)

		assert.ErrorIs(t, s.StoreCertificate(ctx, c1, "controller"), ErrExists)
		assert.ErrorIs(t, s.StoreCertificate(ctx, CertificateRecord{ID: "c3", DeviceID: "d1", ReleaseID: "nope", IssuedAt: at(1), Document: []byte("{}")}, "controller"), ErrNotFound)
		assert.Error(t, s.StoreCertificate(ctx, CertificateRecord{ID: "c3", DeviceID: "d2", ReleaseID: "r1", IssuedAt: at(1), Document: []byte("{}")}, "controller"), "release of another device")
		assert.Error(t, s.StoreCertificate(ctx, CertificateRecord{ID: "c3", DeviceID: "d1", ReleaseID: "r1", IssuedAt: at(1)}, "controller"), "no document")
		_, err = s.Certificate(ctx, "c3")
		assert.ErrorIs(t, err, ErrNotFound)

		trail, err := s.Audit(ctx, "d1", 2)
		require.NoError(t, err)
		require.Len(t, trail, 2)
		assert.Equal(t, AuditEntry{ID: trail[0].ID, At: at(10), DeviceID: "d1", Actor: "operator:ana", Action: AuditCertificateIssued,
			Detail: "certificate c1 for release r1"}, trail[0])
	})
}
