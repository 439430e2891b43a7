// The explorer's controls, figure and status line as plain HTML elements, so that
// each has what assistive technology needs: a <label> naming every control, native
// keyboard handling (range inputs, radio groups, <select>), aria-valuetext on
// sliders, alt text on the figure, and one role="status" region that persists and
// whose text changes. Loaded by anywidget (teachkit/controls.py); one module for
// every kind, chosen by the model's `kind`.

// A label names its input through the input's id, so ids must be unique in the whole page.
// anywidget may evaluate this module once per widget class, and a counter of each copy's own
// started at 0 in every copy: two sliders of different classes drawn in the same millisecond
// got the same id, and the second slider's label named the first (tests/test_browser.py found
// the τ slider without a name). The counter lives on the page's global object, shared by all copies.
function newId(prefix) {
  globalThis.__teachkitControlIds = (globalThis.__teachkitControlIds || 0) + 1;
  return `tk-${prefix}-${globalThis.__teachkitControlIds}`;
}

function element(tag, attributes = {}, text = null) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== null) node.textContent = text;
  // Keys pressed in a control belong to it, not to JupyterLab's notebook shortcuts
  // (Lumino matches a shortcut on the focused element itself before it looks at its
  // parents, so the attribute must be on the element that takes focus).
  if (["INPUT", "SELECT", "BUTTON"].includes(node.tagName)) node.setAttribute("data-lm-suppress-shortcuts", "true");
  return node;
}

// The number a log slider shows: 3 significant digits, no exponent (as Python's
// teachkit.controls.format_value).
function formatValue(value) {
  return String(Number(Number(value).toPrecision(3)));
}

function watch(model, names, callback) {
  for (const name of names) model.on(`change:${name}`, callback);
}

function slider(model, el, log) {
  const id = newId("slider");
  const label = element("label", { for: id, class: "tk-label" });
  const input = element("input", { type: "range", id, class: "tk-range" });
  const readout = element("span", { class: "tk-readout", "aria-hidden": "true" });
  el.append(label, input, readout);

  const position = (value) => (log ? Math.log(value) / Math.log(model.get("base")) : value);
  const valueAt = (pos) => (log ? Number((model.get("base") ** pos).toPrecision(12)) : Math.round(pos));
  const show = (text) => {
    readout.textContent = text;
    input.setAttribute("aria-valuetext", text);
  };
  const update = () => {
    label.textContent = model.get("description");
    input.min = String(model.get("min"));
    input.max = String(model.get("max"));
    input.step = String(model.get("step"));
    input.value = String(position(model.get("value")));
    input.disabled = model.get("disabled");
    el.title = model.get("tooltip");
    // the text of the value the model holds now (the kernel's `readout` says the same,
    // but may arrive a message later than the value)
    show(log ? formatValue(model.get("value")) : String(model.get("value")));
  };
  const commit = () => {
    model.set("value", valueAt(input.valueAsNumber));
    model.save_changes();
  };
  input.addEventListener("input", () => {
    const value = valueAt(input.valueAsNumber);
    show(log ? formatValue(value) : String(value));   // the kernel's readout follows
    if (model.get("continuous_update")) commit();
  });
  input.addEventListener("change", commit);
  watch(model, ["value", "min", "max", "step", "base", "disabled", "readout", "description", "tooltip"], update);
  update();
}

function choice(model, el) {
  const name = newId("choice");
  const group = element("fieldset", { class: "tk-choice" });
  const legend = element("legend", { class: "tk-label" });
  group.append(legend);
  el.append(group);
  let inputs = [];
  const build = () => {
    for (const old of group.querySelectorAll(".tk-option")) old.remove();
    const tooltips = model.get("tooltips");
    inputs = model.get("options").map(([text, value], i) => {
      const option = element("label", { class: "tk-option" });
      if (tooltips[i]) option.title = tooltips[i];
      const input = element("input", { type: "radio", name, value: String(i) });
      input.addEventListener("change", () => {
        if (!input.checked) return;
        model.set("value", value);
        model.save_changes();
      });
      option.append(input, element("span", {}, text));
      group.append(option);
      return input;
    });
    update();
  };
  const update = () => {
    legend.textContent = model.get("description");
    group.disabled = model.get("disabled");
    const values = model.get("options").map(([, value]) => value);
    inputs.forEach((input, i) => { input.checked = values[i] === model.get("value"); });
  };
  watch(model, ["options", "tooltips"], build);
  watch(model, ["value", "disabled", "description"], update);
  build();
}

function select(model, el) {
  const id = newId("select");
  const label = element("label", { for: id, class: "tk-label" });
  const box = element("select", { id, class: "tk-select" });
  el.append(label, box);
  const build = () => {
    box.replaceChildren(...model.get("options").map(([text, value]) => {
      const option = element("option", { value }, text);
      return option;
    }));
    update();
  };
  const update = () => {
    label.textContent = model.get("description");
    box.value = model.get("value");
    box.disabled = model.get("disabled");
  };
  box.addEventListener("change", () => {
    model.set("value", box.value);
    model.save_changes();
  });
  watch(model, ["options"], build);
  watch(model, ["value", "disabled", "description"], update);
  build();
}

function figure(model, el) {
  const img = element("img", { class: "tk-figure" });
  el.append(img);
  let url = null;
  const update = () => {
    const data = model.get("value");
    const next = URL.createObjectURL(new Blob([data], { type: "image/png" }));
    img.alt = model.get("alt");   // the text changes with the picture
    img.src = next;
    if (url) URL.revokeObjectURL(url);
    url = next;
  };
  watch(model, ["value", "alt"], update);
  update();
  return () => { if (url) URL.revokeObjectURL(url); };
}

function status(model, el) {
  // created once: a live region must exist before its text changes to be announced
  const region = element("div", { role: "status", "aria-live": "polite", "aria-atomic": "true",
                                  class: "tk-status" });
  el.append(region);
  const update = () => { region.textContent = model.get("value"); };
  watch(model, ["value"], update);
  update();
}

function render({ model, el }) {
  const kind = model.get("kind");
  el.classList.add("tk-control", `tk-${kind}`);
  if (kind === "slider") return slider(model, el, false);
  if (kind === "log-slider") return slider(model, el, true);
  if (kind === "choice") return choice(model, el);
  if (kind === "select") return select(model, el);
  if (kind === "figure") return figure(model, el);
  if (kind === "status") return status(model, el);
  el.textContent = `unknown control kind ${kind}`;
  return undefined;
}

export default { render };
