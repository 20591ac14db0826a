/* The report's photos: taken or picked with the file input, shrunk on the phone when large or in
 * a type the server does not take, shown as thumbnails that can be removed, then attached to the
 * report as Blobs (the outbox keeps them in IndexedDB until each is sent). */

import { config } from "./config.js";
import { $, el } from "./dom.js";
import { t } from "./words.js";

const SHRINK_ABOVE_BYTES = 1500000;
const LONGEST_SIDE_PX = 2048;
const JPEG_QUALITY = 0.85;
const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];

let photos = []; // {blob, name, url}: url is the thumbnail's object URL, revoked when the photo goes

// A phone camera's picture is several megabytes; on a weak network a 2048-pixel JPEG tells the
// same story. Pictures in a type the server does not take (HEIC) are converted the same way.
export async function shrink(file) {
  const usable = PHOTO_TYPES.includes(file.type);
  if (usable && file.size <= SHRINK_ABOVE_BYTES) return file;
  try {
    const blob = await asJpeg(file);
    if (blob && (!usable || blob.size < file.size)) {
      return new File([blob], file.name.replace(/\.\w+$/, "") + ".jpg", { type: "image/jpeg" });
    }
  } catch {
    // the browser cannot read it: send it as it is, and let the server say why it refuses it
  }
  return file;
}

// The picture drawn upright (EXIF orientation applied) at most LONGEST_SIDE_PX on its longest side.
async function asJpeg(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  const scale = Math.min(1, LONGEST_SIDE_PX / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", JPEG_QUALITY));
}

// Adds the picked files, each shrunk; one still larger than the server takes is left out and
// named to tooLarge(name).
export async function addPhotos(files, tooLarge) {
  for (const file of Array.from(files)) {
    const blob = await shrink(file);
    if (blob.size > config.photoMaxBytes) {
      tooLarge(file.name);
      continue;
    }
    photos.push({ blob, name: blob.name || file.name || "photo.jpg", url: URL.createObjectURL(blob) });
  }
}

// The photos as a new outbox record holds them, each waiting to be sent.
export function photosToSend() {
  return photos.map((p) => ({ name: p.name, blob: p.blob, state: "pending", reason: "" }));
}

// Replaces the photos with those of a record put back in the form (the ones not yet sent).
export function replacePhotos(kept) {
  photos.forEach((p) => URL.revokeObjectURL(p.url));
  photos = kept.filter((p) => p.blob).map((p) => ({ blob: p.blob, name: p.name, url: URL.createObjectURL(p.blob) }));
  renderThumbs();
}

export function renderThumbs() {
  $("thumbs").replaceChildren(
    ...photos.map((photo, index) => {
      const remove = el("button", { type: "button", "aria-label": t("removePhoto"), title: t("removePhoto") }, "×");
      remove.addEventListener("click", () => {
        URL.revokeObjectURL(photo.url);
        photos.splice(index, 1);
        renderThumbs();
      });
      return el("li", {}, el("img", { src: photo.url, alt: photo.name }), remove);
    }),
  );
}
