// covergate: passkeys and security keys (WebAuthn). The only script of the site.
//
// A form marked data-passkey="enrol" (the account page) or data-passkey="use" (the
// second step of signing in) runs one ceremony when submitted: it posts the form's
// fields to its data-options address for the options (JSON), asks the browser for a
// new passkey (create) or a signature (get), puts the answer, as JSON, in the form's
// hidden "credential" field and submits the form. The server checks the answer and
// answers with a page, as for any form.
"use strict";

(function () {
  function toBytes(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  }

  function toText(buffer) {
    let binary = "";
    for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIds(descriptors) {
    return (descriptors || []).map((d) => Object.assign({}, d, { id: toBytes(d.id) }));
  }

  async function fetchOptions(form) {
    const body = new URLSearchParams(new FormData(form));
    body.delete("credential");
    const response = await fetch(form.dataset.options, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    const type = response.headers.get("Content-Type") || "";
    if (!type.startsWith("application/json")) {
      throw new Error("The server did not answer as expected. Reload the page and try again.");
    }
    const options = await response.json();
    if (!response.ok) {
      const text = options.error || "the server refused";
      throw new Error(text.charAt(0).toUpperCase() + text.slice(1) + ".");
    }
    return options;
  }

  async function enrol(form) {
    const options = await fetchOptions(form);
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    options.excludeCredentials = withIds(options.excludeCredentials);
    const made = await navigator.credentials.create({ publicKey: options });
    const transports = made.response.getTransports ? made.response.getTransports() : [];
    return {
      id: made.id,
      rawId: toText(made.rawId),
      type: made.type,
      authenticatorAttachment: made.authenticatorAttachment,
      response: {
        clientDataJSON: toText(made.response.clientDataJSON),
        attestationObject: toText(made.response.attestationObject),
        transports: transports,
      },
    };
  }

  async function use(form) {
    const options = await fetchOptions(form);
    options.challenge = toBytes(options.challenge);
    options.allowCredentials = withIds(options.allowCredentials);
    const signed = await navigator.credentials.get({ publicKey: options });
    const handle = signed.response.userHandle;
    return {
      id: signed.id,
      rawId: toText(signed.rawId),
      type: signed.type,
      authenticatorAttachment: signed.authenticatorAttachment,
      response: {
        clientDataJSON: toText(signed.response.clientDataJSON),
        authenticatorData: toText(signed.response.authenticatorData),
        signature: toText(signed.response.signature),
        userHandle: handle ? toText(handle) : null,
      },
    };
  }

  function explain(error) {
    if (error.name === "NotAllowedError") {
      return "The passkey prompt was cancelled or timed out. Try again.";
    }
    if (error.name === "InvalidStateError") {
      return "This passkey or security key is already enrolled on your account.";
    }
    if (error.name === "SecurityError") {
      return "This browser refused the passkey for this address. Use the site's usual address.";
    }
    return error.message || String(error);
  }

  function start(form) {
    const status = form.querySelector("[data-passkey-status]");
    const button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!window.PublicKeyCredential || !navigator.credentials) {
        status.textContent = "This browser does not support passkeys (WebAuthn). Use another browser.";
        return;
      }
      button.disabled = true;
      status.textContent = "Follow your browser's prompt for your passkey or security key…";
      try {
        const answer = form.dataset.passkey === "enrol" ? await enrol(form) : await use(form);
        form.elements.credential.value = JSON.stringify(answer);
        status.textContent = "Checking…";
        form.submit(); // a plain submission: no second submit event
      } catch (error) {
        status.textContent = explain(error);
        button.disabled = false;
      }
    });
  }

  document.querySelectorAll("form[data-passkey]").forEach(start);
})();
