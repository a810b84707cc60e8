//! Finesse's two error shapes (finesse-api.md §5): synchronous `ApiErrors` HTTP bodies and
//! asynchronous `apiErrors` notifications carrying a CTI failure (`CF_…`) code.

use crate::xml::XmlWriter;

/// A synchronous failure: an HTTP status with an `ApiErrors` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) error_type: &'static str,
    pub(crate) message: String,
}

impl ApiError {
    pub(crate) fn new(status: u16, error_type: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            error_type,
            message: message.into(),
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "Bad Request", message)
    }

    pub(crate) fn parameter_missing(name: &str) -> Self {
        Self::new(400, "Parameter Missing", format!("{name} is missing"))
    }

    pub(crate) fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(400, "Invalid Input", message)
    }

    pub(crate) fn invalid_state(message: impl Into<String>) -> Self {
        Self::new(400, "Invalid State", message)
    }

    pub(crate) fn invalid_destination(message: impl Into<String>) -> Self {
        Self::new(400, "Invalid Destination", message)
    }

    pub(crate) fn unauthorized() -> Self {
        Self::new(401, "Authorization Failure", "UNAUTHORIZED")
    }

    pub(crate) fn wrong_user() -> Self {
        Self::new(401, "Invalid Authorization User Specified", "UNAUTHORIZED")
    }

    pub(crate) fn invalid_supervisor() -> Self {
        Self::new(
            401,
            "Invalid Supervisor",
            "The supervisor does not supervise this agent",
        )
    }

    pub(crate) fn not_found(error_type: &'static str, message: impl Into<String>) -> Self {
        Self::new(404, error_type, message)
    }

    pub(crate) fn user_not_found() -> Self {
        Self::not_found("User Not Found", "UNKNOWN_USER")
    }

    pub(crate) fn dialog_not_found() -> Self {
        Self::not_found("Dialog Not Found", "Dialog not found")
    }

    pub(crate) fn not_implemented(message: impl Into<String>) -> Self {
        Self::new(501, "Not Implemented", message)
    }

    pub(crate) fn service_unavailable() -> Self {
        Self::new(503, "Service Unavailable", "SERVER_OUT_OF_SERVICE")
    }

    /// The `ApiErrors` body (capitalised element names, as REST uses).
    pub(crate) fn to_xml(&self) -> String {
        let mut w = XmlWriter::new();
        w.open("ApiErrors").open("ApiError");
        w.leaf("ErrorType", self.error_type)
            .leaf("ErrorMessage", &self.message)
            .leaf("ErrorData", "");
        w.close("ApiError").close("ApiErrors");
        w.finish()
    }
}

/// CTI Control Failure codes (finesse-api.md §5.3) the simulator produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cf {
    GenericOperation,
    InvalidCallingDevice,
    InvalidObjectState,
    ResourceBusy,
    InvalidPasswordSpecified,
    InvalidLogonDevice,
    InvalidAgentWorkmode,
    InvalidAgentReasonCode,
    AgentNotPartyOnCall,
}

impl Cf {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::GenericOperation => "CF_GENERIC_OPERATION",
            Self::InvalidCallingDevice => "CF_INVALID_CALLING_DEVICE",
            Self::InvalidObjectState => "CF_INVALID_OBJECT_STATE",
            Self::ResourceBusy => "CF_RESOURCE_BUSY",
            Self::InvalidPasswordSpecified => "CF_INVALID_PASSWORD_SPECIFIED",
            Self::InvalidLogonDevice => "CF_INVALID_LOGON_DEVICE_SPECIFIED",
            Self::InvalidAgentWorkmode => "CF_INVALID_AGENT_WORKMODE",
            Self::InvalidAgentReasonCode => "CF_INVALID_AGENT_REASON_CODE",
            Self::AgentNotPartyOnCall => "CF_AGENT_NOT_PARTY_ON_CALL",
        }
    }

    pub(crate) fn data(self) -> u32 {
        match self {
            Self::GenericOperation => 1,
            Self::InvalidCallingDevice => 5,
            Self::InvalidObjectState => 22,
            Self::ResourceBusy => 33,
            Self::InvalidPasswordSpecified => 257,
            Self::InvalidLogonDevice => 260,
            Self::InvalidAgentWorkmode => 265,
            Self::InvalidAgentReasonCode => 266,
            Self::AgentNotPartyOnCall => 268,
        }
    }
}

/// Peripheral (PG) detail that UCCE adds to some errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Peripheral {
    pub(crate) code: u32,
    pub(crate) msg: &'static str,
    pub(crate) text: &'static str,
}

/// An asynchronous failure, published as an `apiErrors` notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CtiError {
    pub(crate) error_type: &'static str,
    pub(crate) message: String,
    pub(crate) data: String,
    pub(crate) peripheral: Option<Peripheral>,
}

impl CtiError {
    /// A CTI control failure with its constant and number.
    pub(crate) fn cf(error_type: &'static str, cf: Cf) -> Self {
        Self {
            error_type,
            message: cf.name().to_owned(),
            data: cf.data().to_string(),
            peripheral: None,
        }
    }

    /// Finesse's answer to an action the participant may not take now, as captured:
    /// `INVALID_ACTION <ACTION> on extension <ext>` with the extension as errorData.
    pub(crate) fn invalid_action(action: &str, extension: &str) -> Self {
        Self {
            error_type: "Generic Error",
            message: format!("INVALID_ACTION {action} on extension {extension}"),
            data: extension.to_owned(),
            peripheral: None,
        }
    }

    /// Free-text failure with a numeric code (monitoring errors use 13145 / 88049).
    pub(crate) fn other(error_type: &'static str, message: &str, data: u32) -> Self {
        Self {
            error_type,
            message: message.to_owned(),
            data: data.to_string(),
            peripheral: None,
        }
    }

    pub(crate) fn invalid_state() -> Self {
        Self::cf("Invalid State", Cf::InvalidObjectState)
    }

    /// The `<apiErrors>` element (lowercase, as in notifications).
    pub(crate) fn to_xml(&self) -> String {
        let mut w = XmlWriter::new();
        w.open("apiErrors").open("apiError");
        w.leaf("errorData", &self.data)
            .leaf("errorMessage", &self.message)
            .leaf("errorType", self.error_type);
        if let Some(p) = &self.peripheral {
            w.num("peripheralErrorCode", p.code)
                .leaf("peripheralErrorMsg", p.msg)
                .leaf("peripheralErrorText", p.text);
        }
        w.close("apiError").close("apiErrors");
        w.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_errors_use_capitalised_names() {
        let xml = ApiError::parameter_missing("extension").to_xml();
        assert_eq!(
            xml,
            "<ApiErrors><ApiError><ErrorType>Parameter Missing</ErrorType>\
             <ErrorMessage>extension is missing</ErrorMessage><ErrorData></ErrorData>\
             </ApiError></ApiErrors>"
        );
    }

    #[test]
    fn async_errors_carry_the_cf_constant_and_number() {
        let xml = CtiError::invalid_state().to_xml();
        assert!(xml.contains("<errorMessage>CF_INVALID_OBJECT_STATE</errorMessage>"));
        assert!(xml.contains("<errorData>22</errorData>"));
        assert!(xml.starts_with("<apiErrors><apiError>"));
    }
}
