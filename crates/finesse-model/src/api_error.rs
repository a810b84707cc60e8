//! `ApiErrors` (REST, capitalised) and `apiErrors` (notifications, lower case), finesse-api.md §5,
//! and their mapping to the seed's GC error codes.

use std::fmt;

use gc_protocol::ErrorCode;

use crate::expect_root;
use crate::xml::{Element, ParseError};

/// One Finesse error. Every field is forwarded untouched; [`ApiError::gc_code`] is a best-effort
/// classification on top.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApiError {
    /// `errorType`, e.g. `Invalid State`, `Invalid Device`, `Call Operation Failure`.
    pub error_type: Option<String>,
    /// `errorMessage`: a CTI constant (`CF_…`) or free text.
    pub error_message: Option<String>,
    /// `errorData`: usually the numeric CTI code.
    pub error_data: Option<String>,
    /// `errorMedia` (non-voice).
    pub error_media: Option<String>,
    /// `peripheralErrorCode` (UCCE PG detail).
    pub peripheral_error_code: Option<String>,
    /// `peripheralErrorText`.
    pub peripheral_error_text: Option<String>,
    /// `peripheralErrorMsg`.
    pub peripheral_error_msg: Option<String>,
}

/// CTI control failure codes (finesse-api.md §5.3): `errorData` → constant, used when
/// `errorMessage` is free text.
const CTI_CODES: &[(u32, &str)] = &[
    (0, "CF_GENERIC_UNSPECIFIED"),
    (1, "CF_GENERIC_OPERATION"),
    (2, "CF_REQUEST_INCOMPATIBLE_WITH_OBJECT"),
    (3, "CF_VALUE_OUT_OF_RANGE"),
    (4, "CF_OBJECT_NOT_KNOWN"),
    (5, "CF_INVALID_CALLING_DEVICE"),
    (6, "CF_INVALID_CALLED_DEVICE"),
    (11, "CF_INVALID_CSTA_CALL_IDENTIFIER"),
    (12, "CF_INVALID_CSTA_DEVICE_IDENTIFIER"),
    (13, "CF_INVALID_CSTA_CONNECTION_IDENTIFIER"),
    (14, "CF_INVALID_DESTINATION"),
    (21, "CF_GENERIC_STATE_INCOMPATIBILITY"),
    (22, "CF_INVALID_OBJECT_STATE"),
    (33, "CF_RESOURCE_BUSY"),
    (34, "CF_RESOURCE_OUT_OF_SERVICE"),
    (256, "CF_INVALID_AGENT_ID_SPECIFIED"),
    (257, "CF_INVALID_PASSWORD_SPECIFIED"),
    (258, "CF_INVALID_AGENT_ID_OR_PASSWORD_SPECIFIED"),
    (259, "CF_SPECIFIED_AGENT_ALREADY_SIGNED_ON"),
    (260, "CF_INVALID_LOGON_DEVICE_SPECIFIED"),
    (261, "CF_INVALID_ANSWERING_DEVICE_SPECIFIED"),
    (262, "CF_INVALID_SKILL_GROUP_SPECIFIED"),
    (263, "CF_INVALID_CLASS_OF_SERVICE_SPECIFIED"),
    (264, "CF_INVALID_TEAM_SPECIFIED"),
    (265, "CF_INVALID_AGENT_WORKMODE"),
    (266, "CF_INVALID_AGENT_REASON_CODE"),
    (268, "CF_AGENT_NOT_PARTY_ON_CALL"),
    (1010, "CF_INVALID_PARAMETER"),
];

impl ApiError {
    fn from_element(e: &Element<'_>) -> Self {
        Self {
            error_type: e.text_of("errorType"),
            error_message: e.text_of("errorMessage"),
            error_data: e.text_of("errorData"),
            error_media: e.text_of("errorMedia"),
            peripheral_error_code: e.text_of("peripheralErrorCode"),
            peripheral_error_text: e.text_of("peripheralErrorText"),
            peripheral_error_msg: e.text_of("peripheralErrorMsg"),
        }
    }

    /// The GC error code a client sees for this error:
    /// 1. `errorMessage` that is a CTI constant (`CF_…`, `E_CTI_…`) passes through;
    /// 2. else a known numeric `errorData` gives its constant;
    /// 3. else `errorType` is classified (`Invalid State`, `Invalid Destination`, …);
    /// 4. else `GENERAL_ERROR` (root cause unclear).
    pub fn gc_code(&self) -> ErrorCode {
        if let Some(message) = &self.error_message {
            let m = message.trim();
            let constant = m.starts_with("CF_") || m.starts_with("E_CTI_");
            if constant && !m.contains(char::is_whitespace) {
                return ErrorCode::parse(m);
            }
        }
        if let Some(code) = self
            .error_data
            .as_deref()
            .and_then(|d| d.trim().parse::<u32>().ok())
            .and_then(|n| CTI_CODES.iter().find(|(k, _)| *k == n))
        {
            return ErrorCode::parse(code.1);
        }
        let kind = self
            .error_type
            .as_deref()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match kind.as_str() {
            "invalid state" => ErrorCode::CfInvalidObjectState,
            "invalid destination" => ErrorCode::BadDestination,
            "invalid device" => ErrorCode::CfInvalidLogonDeviceSpecified,
            "device busy" => ErrorCode::CfResourceBusy,
            "user not found" | "unknown_user" => ErrorCode::UserNotFound,
            "dialog not found" => ErrorCode::NoDialogId,
            // "invalid request params" in the seed's PLEASE_RETRY row.
            "bad request" | "parameter missing" | "invalid input" => ErrorCode::PleaseRetry,
            "service unavailable" | "server_out_of_service" => ErrorCode::FinesseUnavailable,
            _ => ErrorCode::GeneralError,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            self.error_type.as_deref().unwrap_or("error"),
            self.error_message.as_deref().unwrap_or("")
        )?;
        if let Some(data) = &self.error_data {
            write!(f, " ({data})")?;
        }
        Ok(())
    }
}

/// A list of Finesse errors (REST `ApiErrors` body or `apiErrors` notification data).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApiErrors {
    /// The errors, in document order.
    pub errors: Vec<ApiError>,
}

impl ApiErrors {
    /// Parses an `ApiErrors`/`apiErrors` element.
    pub fn from_element(e: &Element<'_>) -> Result<Self, ParseError> {
        expect_root(e, "ApiErrors", "ApiErrors")?;
        Ok(Self {
            errors: e
                .children_named("ApiError")
                .map(ApiError::from_element)
                .collect(),
        })
    }

    /// Parses a REST error body.
    pub fn parse(body: &[u8]) -> Result<Self, ParseError> {
        Self::from_element(&Element::parse(body)?)
    }

    /// The code of the first error, or `GENERAL_ERROR` for an empty list.
    pub fn gc_code(&self) -> ErrorCode {
        self.errors
            .first()
            .map_or(ErrorCode::GeneralError, ApiError::gc_code)
    }

    /// Whether any error has this `errorType` (ASCII case-insensitive).
    pub fn has_type(&self, error_type: &str) -> bool {
        self.errors.iter().any(|e| {
            e.error_type
                .as_deref()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case(error_type))
        })
    }
}

impl fmt::Display for ApiErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_api_errors_parse_in_any_child_order() {
        let errors = ApiErrors::parse(
            br"<ApiErrors><ApiError><ErrorType>Invalid State</ErrorType>
            <ErrorData></ErrorData><ErrorMessage>No active call available for TRANSFER</ErrorMessage>
            </ApiError></ApiErrors>",
        )
        .unwrap();
        assert_eq!(
            errors.errors[0].error_type.as_deref(),
            Some("Invalid State")
        );
        assert_eq!(
            errors.errors[0].error_message.as_deref(),
            Some("No active call available for TRANSFER")
        );
        assert_eq!(errors.errors[0].error_data, None);
        assert_eq!(errors.gc_code(), ErrorCode::CfInvalidObjectState);
    }

    #[test]
    fn classification_prefers_the_cti_constant_then_error_data_then_type() {
        let e = |t: &str, m: &str, d: &str| ApiError {
            error_type: Some(t.into()).filter(|s: &String| !s.is_empty()),
            error_message: Some(m.into()).filter(|s: &String| !s.is_empty()),
            error_data: Some(d.into()).filter(|s: &String| !s.is_empty()),
            ..ApiError::default()
        };
        assert_eq!(
            e("Invalid Device", "CF_INVALID_LOGON_DEVICE_SPECIFIED", "260").gc_code(),
            ErrorCode::CfInvalidLogonDeviceSpecified
        );
        assert_eq!(
            e("Invalid State", "CF_INVALID_AGENT_WORKMODE", "265").gc_code(),
            ErrorCode::Finesse("CF_INVALID_AGENT_WORKMODE".into())
        );
        assert_eq!(
            e("Call Operation Failure", "text", "33").gc_code(),
            ErrorCode::CfResourceBusy
        );
        assert_eq!(
            e("Invalid Destination", "from == to", "").gc_code(),
            ErrorCode::BadDestination
        );
        assert_eq!(
            e("Parameter Missing", "state", "").gc_code(),
            ErrorCode::PleaseRetry
        );
        assert_eq!(
            e("Generic Error", "INVALID_ACTION", "4047").gc_code(),
            ErrorCode::GeneralError
        );
        assert_eq!(ApiErrors::default().gc_code(), ErrorCode::GeneralError);
    }
}
