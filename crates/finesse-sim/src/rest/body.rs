//! Request bodies: `<User>` and `<Dialog>` documents (finesse-api.md §2.4, §3.6).
//!
//! Element names are matched case-insensitively; unknown elements are ignored, as Finesse does.

use crate::api_error::ApiError;
use crate::state::{DialogRequest, UserRequest};
use crate::xml::{Element, parse};

fn document(body: &str, root: &str) -> Result<Element, ApiError> {
    if body.trim().is_empty() {
        return Err(ApiError::bad_request("The request body is empty"));
    }
    let doc = parse(body).map_err(|e| ApiError::bad_request(format!("Malformed XML: {e}")))?;
    if !doc.name.eq_ignore_ascii_case(root) {
        return Err(ApiError::bad_request(format!(
            "Expected a <{root}> document, got <{}>",
            doc.name
        )));
    }
    Ok(doc)
}

fn text(e: &Element, name: &str) -> Option<String> {
    e.child_text(name).map(str::to_owned)
}

/// `<User>` for PUT /finesse/api/User/{id}.
pub(crate) fn user(body: &str) -> Result<UserRequest, ApiError> {
    let doc = document(body, "User")?;
    let mobile = doc.child("mobileAgent");
    Ok(UserRequest {
        state: text(&doc, "state"),
        extension: text(&doc, "extension"),
        reason_code_id: text(&doc, "reasonCodeId"),
        mobile: mobile.is_some(),
        mobile_mode: mobile.and_then(|m| text(m, "mode")),
        mobile_dial_number: mobile.and_then(|m| text(m, "dialNumber")),
    })
}

fn name_values(list: Option<&Element>, item: &str) -> Vec<(String, String)> {
    list.map(|l| {
        l.children_named(item)
            .map(|v| {
                (
                    v.child_text("name").unwrap_or_default().to_owned(),
                    v.child("value").map(|x| x.text.clone()).unwrap_or_default(),
                )
            })
            .collect()
    })
    .unwrap_or_default()
}

/// `<Dialog>` for PUT /finesse/api/Dialog/{id} and POST /finesse/api/User/{id}/Dialogs.
pub(crate) fn dialog(body: &str) -> Result<DialogRequest, ApiError> {
    let doc = document(body, "Dialog")?;
    let media = doc.child("mediaProperties");
    Ok(DialogRequest {
        action: text(&doc, "requestedAction"),
        target: text(&doc, "targetMediaAddress"),
        to: text(&doc, "toAddress"),
        from: text(&doc, "fromAddress"),
        variables: name_values(media.and_then(|m| m.child("callvariables")), "CallVariable"),
        media_properties: media.is_some(),
        wrap_up_reason: media
            .and_then(|m| m.child("wrapUpReason"))
            .map(|w| w.text.trim().to_owned()),
        associated: text(&doc, "associatedDialogUri"),
        params: name_values(doc.child("actionParams"), "ActionParam"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_mobile_agent_login() {
        let req = user(
            "<User><state>LOGIN</state><extension>39001</extension>\
             <mobileAgent><mode>NAILED_CONNECTION</mode><dialNumber>0049301234567</dialNumber>\
             </mobileAgent></User>",
        )
        .unwrap();
        assert_eq!(req.state.as_deref(), Some("LOGIN"));
        assert!(req.mobile);
        assert_eq!(req.mobile_mode.as_deref(), Some("NAILED_CONNECTION"));
    }

    #[test]
    fn reads_call_variables_and_action_params() {
        let req = dialog(
            "<Dialog><requestedAction>UPDATE_CALL_DATA</requestedAction><mediaProperties>\
             <wrapUpReason>Billing question</wrapUpReason><callvariables><CallVariable>\
             <name>callVariable5</name><value> kept </value></CallVariable></callvariables>\
             </mediaProperties><actionParams><ActionParam><name>dtmfString</name>\
             <value>12#</value></ActionParam></actionParams></Dialog>",
        )
        .unwrap();
        assert_eq!(
            req.variables,
            vec![("callVariable5".into(), " kept ".into())]
        );
        assert_eq!(req.wrap_up_reason.as_deref(), Some("Billing question"));
        assert_eq!(req.param("dtmfString"), Some("12#"));
    }

    #[test]
    fn rejects_wrong_roots_and_garbage() {
        assert_eq!(user("<Dialog/>").unwrap_err().error_type, "Bad Request");
        assert_eq!(dialog("<Dialog>").unwrap_err().status, 400);
        assert_eq!(user("").unwrap_err().status, 400);
    }
}
