-- 0021: a lot's phones are read with each one's newest certificate; find
-- that by device, not by scanning every certificate.
CREATE INDEX certificates_by_device ON certificates(device_id, issued_at);
