package httpapi

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/unbind/unbind/api"
	"github.com/unbind/unbind/controller"
	"github.com/unbind/unbind/controller/registry"
)

// maxJoinBody bounds a join request: up to controller.MaxJoinCodes codes
// of a few dozen bytes each.
const maxJoinBody = 128 << 10

// lotError answers a lot operation's error with its status.
func lotError(w http.ResponseWriter, id string, err error) {
	switch {
	case errors.Is(err, controller.ErrBadLot):
		writeError(w, http.StatusBadRequest, err)
	case errors.Is(err, registry.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Errorf("lot %q not found", id))
	case errors.Is(err, registry.ErrExists):
		writeError(w, http.StatusConflict, fmt.Errorf("lot %q exists already", id))
	case errors.Is(err, registry.ErrLotClosed):
		writeError(w, http.StatusConflict, fmt.Errorf("lot %q is closed: it takes no more phones", id))
	case errors.Is(err, registry.ErrJoinRefused):
		writeError(w, http.StatusUnprocessableEntity, err)
	default:
		writeError(w, http.StatusInternalServerError, err)
	}
}

func (s *server) addLot(w http.ResponseWriter, r *http.Request) {
	var req api.LotRequest
	if err := decodeBody(w, r, maxRequestBody, &req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("lot request: %w", err))
		return
	}
	l, err := s.c.AddLot(r.Context(), req.ID, req.Customer, req.Reference, actor(r), req.Note)
	if err != nil {
		lotError(w, req.ID, err)
		return
	}
	writeJSON(w, http.StatusCreated, controller.LotAPI(l))
}

func (s *server) lots(w http.ResponseWriter, r *http.Request) {
	ls, err := s.c.Lots(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	out := make([]api.Lot, 0, len(ls))
	for _, l := range ls {
		out = append(out, controller.LotAPI(l))
	}
	writeJSON(w, http.StatusOK, api.LotsBody{Lots: out})
}

func (s *server) lot(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	l, members, err := s.c.Lot(r.Context(), id)
	if err != nil {
		lotError(w, id, err)
		return
	}
	out := api.LotDetail{Lot: controller.LotAPI(l), Devices: make([]api.LotDevice, 0, len(members))}
	for _, m := range members {
		out.Devices = append(out.Devices, controller.LotMemberAPI(m))
	}
	writeJSON(w, http.StatusOK, out)
}

// deviceLabel is one phone as its label shows it.
func (s *server) deviceLabel(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	m, err := s.c.Registry().DeviceMember(r.Context(), id)
	switch {
	case errors.Is(err, registry.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Errorf("device %q not found", id))
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
	default:
		writeJSON(w, http.StatusOK, controller.LotMemberAPI(m))
	}
}

func (s *server) closeLot(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var req api.NoteRequest
	if err := decodeBody(w, r, maxRequestBody, &req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("close request: %w", err))
		return
	}
	l, err := s.c.CloseLot(r.Context(), id, actor(r), req.Note)
	if err != nil {
		lotError(w, id, err)
		return
	}
	writeJSON(w, http.StatusOK, controller.LotAPI(l))
}

func (s *server) joinLot(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var req api.LotJoinRequest
	if err := decodeBody(w, r, maxJoinBody, &req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("join request: %w", err))
		return
	}
	ids, err := s.c.JoinLot(r.Context(), id, req.Codes, actor(r), req.Note)
	if err != nil {
		lotError(w, id, err)
		return
	}
	writeJSON(w, http.StatusOK, api.LotJoined{Lot: id, DeviceIDs: ids})
}
