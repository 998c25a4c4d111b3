// The notebook widget (anywidget): the interactive page in a frame of its own (its script and
// style kept apart from the notebook's), driven through the page's window.autogradLitePage.
// Python sets "position" and "selected"; the page reports its step back as "position" and
// "caption". The page reads the notebook's theme from this document (same origin).

function render({ model, el }) {
  el.classList.add("agl-widget");
  const frame = document.createElement("iframe");
  frame.className = "agl-widget-frame";
  frame.title = "interactive computation graph";
  frame.style.height = model.get("height") + "px";
  let page = null;

  function tell(step, caption) {
    if (model.get("position") === step && model.get("caption") === caption) return;
    model.set("position", step);
    model.set("caption", caption);
    model.save_changes();
  }

  frame.addEventListener("load", () => {
    page = frame.contentWindow && frame.contentWindow.autogradLitePage;
    if (!page) return;
    page.onStep(tell);
    page.go(model.get("position"));
    if (model.get("selected")) page.select(model.get("selected"));
    tell(page.step(), page.message());
  });
  frame.srcdoc = model.get("page");

  const onPosition = () => { if (page && page.step() !== model.get("position")) page.go(model.get("position")); };
  const onSelected = () => { if (page && model.get("selected")) page.select(model.get("selected")); };
  const onHeight = () => { frame.style.height = model.get("height") + "px"; };
  const onPage = () => { page = null; frame.srcdoc = model.get("page"); };
  model.on("change:position", onPosition);
  model.on("change:selected", onSelected);
  model.on("change:height", onHeight);
  model.on("change:page", onPage);
  el.appendChild(frame);
  return () => {
    model.off("change:position", onPosition);
    model.off("change:selected", onSelected);
    model.off("change:height", onHeight);
    model.off("change:page", onPage);
  };
}

export default { render };
