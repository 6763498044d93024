//! Turning stored events back into domain events, upcasting old schemas on the way.

use crate::{
    aggregate::{CodecError, EventCodec},
    envelope::StoredEvent,
    upcast::Upcasters,
};

/// Decodes a stored event into `E`, applying any upcasters first.
pub fn decode<E: EventCodec>(e: &StoredEvent, up: &Upcasters) -> Result<E, CodecError> {
    let payload = e.payload_json().map_err(|source| CodecError::Decode {
        event_type: e.event_type.clone(),
        source,
    })?;
    let payload = if up.is_empty() {
        payload
    } else {
        up.upcast(&e.event_type, e.schema_version, payload).0
    };
    E::decode(&e.event_type, payload)
}
