//! Typed parameters of the common operations, and [`Raw`] for the rest.
//!
//! Each type writes the `<name>_<value>` segments that follow the operation's name in
//! `x-oss-process`/`x-oss-async-process`, in a fixed order, and reports every value out of
//! range at build time. Parameter names and ranges follow Alibaba Cloud's OSS pages for each
//! operation (video transcoding, video frame capture, document conversion, online preview,
//! face detection); a parameter not typed here can be added with [`Process::param`] or [`Raw`].
//!
//! [`Process::param`]: super::Process::param

use std::fmt::Write as _;
use std::marker::PhantomData;

use crate::op::{self, Operation};

mod sealed {
    /// Only this module's types are parameters: nothing else can write processing text.
    pub trait Sealed {}
}

/// The parameters of one operation. Sealed: the types of this module (and [`Raw`], whose
/// parameters are checked one by one) are the only ones, so no code writes processing text
/// of its own into a request.
pub trait Params: sealed::Sealed {
    /// The operation the parameters belong to.
    type Op: Operation;

    /// Appends the `<name>_<value>` segments to `segments`, and a message to `problems` for
    /// every value that is out of range.
    fn encode(self, segments: &mut Vec<String>, problems: &mut Vec<String>);
}

/// Checks an untyped parameter: a name of lowercase ASCII letters and digits, and a value
/// without the separators of the processing grammar (`,`, `|`, `/`) or whitespace.
pub(crate) fn check_raw(op: &str, name: &str, value: &str) -> Result<String, String> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    {
        return Err(format!(
            "`{op}` parameter name `{name}` must be lowercase ASCII letters and digits"
        ));
    }
    if value.is_empty() {
        return Err(format!("`{op}` parameter `{name}` has an empty value"));
    }
    if let Some(bad) = value
        .chars()
        .find(|c| matches!(c, ',' | '|' | '/') || c.is_whitespace() || c.is_control())
    {
        return Err(format!(
            "`{op}` parameter `{name}` value `{}` contains `{}`, which separates parameters or operations; encode it as the operation documents (usually URL-safe Base64)",
            value.escape_debug(),
            bad.escape_debug()
        ));
    }
    Ok(format!("{name}_{value}"))
}

/// Untyped parameters for any operation: `Raw::<op::AudioConvert>::new().param("f", "mp3")`.
#[derive(Clone, Debug)]
pub struct Raw<O> {
    pairs: Vec<(String, String)>,
    op: PhantomData<O>,
}

impl<O: Operation> Raw<O> {
    /// No parameters.
    pub fn new() -> Self {
        Self {
            pairs: Vec::new(),
            op: PhantomData,
        }
    }

    /// Adds `<name>_<value>`, in call order.
    #[must_use]
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.pairs.push((name.into(), value.into()));
        self
    }
}

impl<O: Operation> Default for Raw<O> {
    fn default() -> Self {
        Self::new()
    }
}

impl<O: Operation> sealed::Sealed for Raw<O> {}

impl<O: Operation> Params for Raw<O> {
    type Op = O;

    fn encode(self, segments: &mut Vec<String>, problems: &mut Vec<String>) {
        for (name, value) in &self.pairs {
            match check_raw(O::ENTRY.name, name, value) {
                Ok(segment) => segments.push(segment),
                Err(message) => problems.push(message),
            }
        }
    }
}

/// Pushes `<name>_<value>` when the value is set.
fn push(segments: &mut Vec<String>, name: &str, value: Option<impl std::fmt::Display>) {
    if let Some(value) = value {
        let mut segment = String::new();
        let _ = write!(segment, "{name}_{value}");
        segments.push(segment);
    }
}

/// Checks that a set value is not zero.
fn positive<T: Into<u64> + Copy>(
    problems: &mut Vec<String>,
    op: &str,
    name: &str,
    value: Option<T>,
    unit: &str,
) {
    if let Some(value) = value
        && value.into() == 0
    {
        problems.push(format!(
            "`{op}` parameter `{name}` is 0{unit}; it must be at least 1{unit}"
        ));
    }
}

macro_rules! keyword_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// The value as written in the request.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

keyword_enum! {
    /// The image format of captured frames (`f`).
    ImageFormat {
        /// `jpg`
        Jpg => "jpg",
        /// `png`
        Png => "png",
    }
}

keyword_enum! {
    /// How a frame is fitted to `w`×`h` (`scaletype`).
    ScaleType {
        /// `crop`: scale to cover, then crop.
        Crop => "crop",
        /// `stretch`: scale to exactly `w`×`h`.
        Stretch => "stretch",
        /// `fill`: scale to fit, then pad.
        Fill => "fill",
        /// `fit`: scale to fit, no padding.
        Fit => "fit",
    }
}

/// `video/snapshots`: capture frames of a video (asynchronous; saved with `sys/saveas`).
///
/// A saved key without an extension gets a serial number per frame (`_0_1.jpg`, …); with an
/// extension only the last frame is kept, so leave it out or use `{index}`-style variables.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VideoSnapshots {
    start_ms: Option<u64>,
    format: Option<ImageFormat>,
    count: Option<u32>,
    interval_ms: Option<u64>,
    width: Option<u32>,
    height: Option<u32>,
    scale: Option<ScaleType>,
}

impl VideoSnapshots {
    /// No parameters: OSS's defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// `ss`: where capturing starts, in milliseconds.
    #[must_use]
    pub fn start_ms(mut self, ms: u64) -> Self {
        self.start_ms = Some(ms);
        self
    }
    /// `f`: the image format.
    #[must_use]
    pub fn format(mut self, format: ImageFormat) -> Self {
        self.format = Some(format);
        self
    }
    /// `num`: how many frames, at least 1.
    #[must_use]
    pub fn count(mut self, count: u32) -> Self {
        self.count = Some(count);
        self
    }
    /// `inter`: the time between frames, in milliseconds, at least 1.
    #[must_use]
    pub fn interval_ms(mut self, ms: u64) -> Self {
        self.interval_ms = Some(ms);
        self
    }
    /// `w`, `h`: the frame size in pixels, each at least 1.
    #[must_use]
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.width = Some(width);
        self.height = Some(height);
        self
    }
    /// `scaletype`: how frames are fitted to the size.
    #[must_use]
    pub fn scale(mut self, scale: ScaleType) -> Self {
        self.scale = Some(scale);
        self
    }
}

impl sealed::Sealed for VideoSnapshots {}

impl Params for VideoSnapshots {
    type Op = op::VideoSnapshots;

    fn encode(self, segments: &mut Vec<String>, problems: &mut Vec<String>) {
        let name = Self::Op::ENTRY.name;
        positive(problems, name, "num", self.count, "");
        positive(problems, name, "inter", self.interval_ms, " ms");
        positive(problems, name, "w", self.width, " px");
        positive(problems, name, "h", self.height, " px");
        if self.scale.is_some() && self.width.is_none() {
            problems.push(format!(
                "`{name}` parameter `scaletype` needs a size; call `size(width, height)`"
            ));
        }
        push(segments, "ss", self.start_ms);
        push(segments, "f", self.format);
        push(segments, "num", self.count);
        push(segments, "inter", self.interval_ms);
        push(segments, "w", self.width);
        push(segments, "h", self.height);
        push(segments, "scaletype", self.scale);
    }
}

keyword_enum! {
    /// The output container of `video/convert` (`f`).
    Container {
        /// `mp4`
        Mp4 => "mp4",
        /// `mkv`
        Mkv => "mkv",
        /// `mov`
        Mov => "mov",
        /// `asf`
        Asf => "asf",
        /// `avi`
        Avi => "avi",
        /// `mxf`
        Mxf => "mxf",
        /// `ts`
        Ts => "ts",
        /// `flv`
        Flv => "flv",
        /// `webm`
        Webm => "webm",
        /// `mp3` (audio only)
        Mp3 => "mp3",
        /// `aac` (audio only)
        Aac => "aac",
        /// `flac` (audio only)
        Flac => "flac",
        /// `oga` (audio only)
        Oga => "oga",
        /// `ac3` (audio only)
        Ac3 => "ac3",
        /// `opus` (audio only)
        Opus => "opus",
        /// `amr` (audio only)
        Amr => "amr",
    }
}

keyword_enum! {
    /// The video codec of `video/convert` (`vcodec`).
    VideoCodec {
        /// `copy`: keep the source stream.
        Copy => "copy",
        /// `h264`
        H264 => "h264",
        /// `h265`
        H265 => "h265",
        /// `vp9`
        Vp9 => "vp9",
    }
}

keyword_enum! {
    /// What `fps` means when the source has a lower frame rate (`fpsopt`).
    FpsOption {
        /// `0`: always use `fps`.
        Always => "0",
        /// `1`: keep the source frame rate when it is lower.
        KeepLower => "1",
        /// `2`: fail when the source frame rate is lower.
        FailWhenLower => "2",
    }
}

keyword_enum! {
    /// The pixel format of `video/convert` (`pixfmt`).
    PixelFormat {
        /// `yuv420p`
        Yuv420p => "yuv420p",
        /// `yuv420p10le`
        Yuv420p10le => "yuv420p10le",
        /// `yuv422p`
        Yuv422p => "yuv422p",
        /// `yuv422p10le`
        Yuv422p10le => "yuv422p10le",
        /// `yuv444p`
        Yuv444p => "yuv444p",
        /// `yuv444p10le`
        Yuv444p10le => "yuv444p10le",
    }
}

/// `video/convert`: transcode a video (asynchronous; saved with `sys/saveas`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VideoConvert {
    start_ms: Option<u64>,
    duration_ms: Option<u64>,
    container: Option<Container>,
    no_video: bool,
    codec: Option<VideoCodec>,
    fps: Option<f32>,
    fps_option: Option<FpsOption>,
    pixel_format: Option<PixelFormat>,
    resolution: Option<(u32, u32)>,
}

impl VideoConvert {
    /// No parameters: OSS's defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// `ss`: where the output starts, in milliseconds.
    #[must_use]
    pub fn start_ms(mut self, ms: u64) -> Self {
        self.start_ms = Some(ms);
        self
    }
    /// `t`: how long the output lasts, in milliseconds (0: to the end).
    #[must_use]
    pub fn duration_ms(mut self, ms: u64) -> Self {
        self.duration_ms = Some(ms);
        self
    }
    /// `f`: the output container.
    #[must_use]
    pub fn container(mut self, container: Container) -> Self {
        self.container = Some(container);
        self
    }
    /// `vn_1`: drop the video stream.
    #[must_use]
    pub fn no_video(mut self) -> Self {
        self.no_video = true;
        self
    }
    /// `vcodec`: the video codec.
    #[must_use]
    pub fn codec(mut self, codec: VideoCodec) -> Self {
        self.codec = Some(codec);
        self
    }
    /// `fps`: the frame rate, above 0 and at most 240.
    #[must_use]
    pub fn fps(mut self, fps: f32) -> Self {
        self.fps = Some(fps);
        self
    }
    /// `fpsopt`: what `fps` means for sources with a lower frame rate.
    #[must_use]
    pub fn fps_option(mut self, option: FpsOption) -> Self {
        self.fps_option = Some(option);
        self
    }
    /// `pixfmt`: the pixel format.
    #[must_use]
    pub fn pixel_format(mut self, format: PixelFormat) -> Self {
        self.pixel_format = Some(format);
        self
    }
    /// `s`: the resolution, `<width>x<height>`, each even and 64 to 4096.
    #[must_use]
    pub fn resolution(mut self, width: u32, height: u32) -> Self {
        self.resolution = Some((width, height));
        self
    }
}

impl sealed::Sealed for VideoConvert {}

impl Params for VideoConvert {
    type Op = op::VideoConvert;

    fn encode(self, segments: &mut Vec<String>, problems: &mut Vec<String>) {
        let name = Self::Op::ENTRY.name;
        if let Some(fps) = self.fps
            && !(fps > 0.0 && fps <= 240.0)
        {
            problems.push(format!(
                "`{name}` parameter `fps` is {fps}; it must be above 0 and at most 240"
            ));
        }
        if let Some((width, height)) = self.resolution {
            for (axis, value) in [("width", width), ("height", height)] {
                if !(64..=4096).contains(&value) || value % 2 != 0 {
                    problems.push(format!(
                        "`{name}` parameter `s` {axis} is {value}; it must be even and 64 to 4096"
                    ));
                }
            }
        }
        if self.no_video && self.codec.is_some() {
            problems.push(format!(
                "`{name}` parameters `vn_1` and `vcodec` conflict: the video stream is dropped"
            ));
        }
        push(segments, "ss", self.start_ms);
        push(segments, "t", self.duration_ms);
        push(segments, "f", self.container);
        push(segments, "vn", self.no_video.then_some(1));
        push(segments, "vcodec", self.codec);
        push(segments, "fps", self.fps);
        push(segments, "fpsopt", self.fps_option);
        push(segments, "pixfmt", self.pixel_format);
        push(
            segments,
            "s",
            self.resolution.map(|(w, h)| format!("{w}x{h}")),
        );
    }
}

/// `video/info`: the media metadata of a video as JSON (synchronous; nothing to set).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VideoInfo;

impl sealed::Sealed for VideoInfo {}

impl Params for VideoInfo {
    type Op = op::VideoInfo;

    fn encode(self, _: &mut Vec<String>, _: &mut Vec<String>) {}
}

/// `image/faces`: the faces in an image as JSON (synchronous; nothing to set).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImageFaces;

impl sealed::Sealed for ImageFaces {}

impl Params for ImageFaces {
    type Op = op::ImageFaces;

    fn encode(self, _: &mut Vec<String>, _: &mut Vec<String>) {}
}

keyword_enum! {
    /// What `doc/convert` produces (`target`).
    DocTarget {
        /// `pdf`
        Pdf => "pdf",
        /// `png`: one image per page (use `{index}` in the saved key).
        Png => "png",
        /// `jpg`: one image per page (use `{index}` in the saved key).
        Jpg => "jpg",
        /// `txt`
        Txt => "txt",
    }
}

/// `doc/convert`: convert a document (asynchronous; saved with `sys/saveas`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocConvert {
    target: DocTarget,
    source: Option<String>,
}

impl DocConvert {
    /// Convert to `target`.
    pub fn to(target: DocTarget) -> Self {
        Self {
            target,
            source: None,
        }
    }
    /// `source`: the source's format (its extension, e.g. `docx`) when the key does not end in it.
    #[must_use]
    pub fn source(mut self, extension: impl Into<String>) -> Self {
        self.source = Some(extension.into());
        self
    }
}

impl sealed::Sealed for DocConvert {}

impl Params for DocConvert {
    type Op = op::DocConvert;

    fn encode(self, segments: &mut Vec<String>, problems: &mut Vec<String>) {
        let name = Self::Op::ENTRY.name;
        if let Some(source) = &self.source
            && (source.is_empty()
                || !source
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
        {
            problems.push(format!(
                "`{name}` parameter `source` is `{source}`; write the extension in lowercase without a dot, like `docx`"
            ));
        }
        push(segments, "target", Some(self.target));
        push(segments, "source", self.source);
    }
}

/// `doc/preview`: an online preview of a document (synchronous). Which actions the viewer
/// offers is set with `print`, `copy` and `export` (`1` allows, `0` forbids).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DocPreview {
    print: Option<bool>,
    copy: Option<bool>,
    export: Option<bool>,
}

impl DocPreview {
    /// No parameters: OSS's defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// `print`: whether the viewer may print.
    #[must_use]
    pub fn print(mut self, allowed: bool) -> Self {
        self.print = Some(allowed);
        self
    }
    /// `copy`: whether the viewer may copy text.
    #[must_use]
    pub fn copy(mut self, allowed: bool) -> Self {
        self.copy = Some(allowed);
        self
    }
    /// `export`: whether the viewer may export a PDF.
    #[must_use]
    pub fn export(mut self, allowed: bool) -> Self {
        self.export = Some(allowed);
        self
    }
}

impl sealed::Sealed for DocPreview {}

impl Params for DocPreview {
    type Op = op::DocPreview;

    fn encode(self, segments: &mut Vec<String>, _: &mut Vec<String>) {
        push(segments, "print", self.print.map(u8::from));
        push(segments, "copy", self.copy.map(u8::from));
        push(segments, "export", self.export.map(u8::from));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(params: impl Params) -> (Vec<String>, Vec<String>) {
        let (mut segments, mut problems) = (Vec::new(), Vec::new());
        params.encode(&mut segments, &mut problems);
        (segments, problems)
    }

    #[test]
    fn snapshots_write_documented_names_in_order() {
        let (segments, problems) = encode(
            VideoSnapshots::new()
                .scale(ScaleType::Fit)
                .size(320, 180)
                .interval_ms(500)
                .count(3)
                .format(ImageFormat::Png)
                .start_ms(0),
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            segments,
            [
                "ss_0",
                "f_png",
                "num_3",
                "inter_500",
                "w_320",
                "h_180",
                "scaletype_fit"
            ]
        );
    }

    #[test]
    fn every_out_of_range_value_is_reported() {
        let (_, problems) = encode(VideoSnapshots::new().count(0).interval_ms(0).size(0, 0));
        assert_eq!(
            problems,
            [
                "`video/snapshots` parameter `num` is 0; it must be at least 1",
                "`video/snapshots` parameter `inter` is 0 ms; it must be at least 1 ms",
                "`video/snapshots` parameter `w` is 0 px; it must be at least 1 px",
                "`video/snapshots` parameter `h` is 0 px; it must be at least 1 px",
            ]
        );
        let (_, problems) = encode(VideoConvert::new().fps(0.0).resolution(1279, 720));
        assert_eq!(
            problems,
            [
                "`video/convert` parameter `fps` is 0; it must be above 0 and at most 240",
                "`video/convert` parameter `s` width is 1279; it must be even and 64 to 4096",
            ]
        );
    }

    #[test]
    fn convert_and_documents_encode() {
        let (segments, _) = encode(
            VideoConvert::new()
                .container(Container::Mp4)
                .codec(VideoCodec::H264)
                .resolution(1280, 720)
                .fps(29.97),
        );
        assert_eq!(
            segments,
            ["f_mp4", "vcodec_h264", "fps_29.97", "s_1280x720"]
        );
        let (segments, _) = encode(DocConvert::to(DocTarget::Png).source("docx"));
        assert_eq!(segments, ["target_png", "source_docx"]);
        let (segments, _) = encode(DocPreview::new().print(false).export(true));
        assert_eq!(segments, ["print_0", "export_1"]);
        let (_, problems) = encode(DocConvert::to(DocTarget::Pdf).source(".DOCX"));
        assert_eq!(problems.len(), 1);
    }

    #[test]
    fn raw_values_cannot_smuggle_separators() {
        let (segments, problems) = encode(
            Raw::<op::AudioConvert>::new()
                .param("f", "mp3")
                .param("ab", "1,x")
                .param("Bad", "1"),
        );
        assert_eq!(segments, ["f_mp3"]);
        assert_eq!(problems.len(), 2);
        assert!(
            problems[0].contains("`ab` value `1,x` contains `,`"),
            "{problems:?}"
        );
    }
}
