/* The site inspection's photos say where they were taken: the form's lon and lat are filled from
 * the phone's position (the server checks it is near the community). */
for (const form of document.querySelectorAll("form.evidence-form.located")) {
  const note = form.querySelector(".where");
  const details = form.closest("details");
  const locate = () => {
    if (!navigator.geolocation || form.elements.lon.value) return;
    note.textContent = note.dataset.waiting;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        form.elements.lon.value = position.coords.longitude.toFixed(7);
        form.elements.lat.value = position.coords.latitude.toFixed(7);
        note.textContent = note.dataset.found;
      },
      () => { note.textContent = note.dataset.failed; },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
    );
  };
  details.addEventListener("toggle", () => details.open && locate());
}
