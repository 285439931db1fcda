<?php
/**
 * Builds a small WordPress site with WordPress's own PHP API and exports it
 * with WordPress's own exporter (export_wp()).  Run by make_export.sh, which
 * sets the environment, freezes the clock and runs the phases in order:
 *
 *   php make_export.php reset-db          drop + create the database
 *   php make_export.php install           wp_install() (no default content)
 *   php make_export.php populate          users, terms, posts, comments
 *   php make_export.php export OUT.xml    export_wp( content => all ) to OUT.xml
 *   php make_export.php drop-db           drop the database
 *
 * Environment: WP_FIXTURE_DB_NAME (wp_fixture), WP_FIXTURE_DB_HOST (127.0.0.1),
 * WP_FIXTURE_DB_PORT (3306), WP_FIXTURE_DB_USER (root), WP_FIXTURE_DB_PASSWORD
 * (empty), WP_FIXTURE_CONTENT_DIR (a scratch wp-content dir; required),
 * WP_FIXTURE_ABSPATH (/usr/share/wordpress/).
 *
 * Post ids are fixed with wp_insert_post()'s `import_id`; comment ids are the
 * database's auto-increment in insertion order (1..N on a fresh database).
 */

error_reporting( E_ALL );
ini_set( 'display_errors', 'stderr' );
ini_set( 'log_errors', '0' );

$phase = isset( $argv[1] ) ? $argv[1] : '';

function env( $name, $default ) {
	$v = getenv( $name );
	return ( false === $v || '' === $v ) ? $default : $v;
}

$db_name = env( 'WP_FIXTURE_DB_NAME', 'wp_fixture' );
$db_host = env( 'WP_FIXTURE_DB_HOST', '127.0.0.1' );
$db_port = (int) env( 'WP_FIXTURE_DB_PORT', '3306' );
$db_user = env( 'WP_FIXTURE_DB_USER', 'root' );
$db_pass = (string) getenv( 'WP_FIXTURE_DB_PASSWORD' );

if ( ! preg_match( '/^[A-Za-z0-9_]+$/', $db_name ) ) {
	fwrite( STDERR, "bad database name\n" );
	exit( 2 );
}

if ( 'reset-db' === $phase || 'drop-db' === $phase ) {
	$link = new mysqli( $db_host, $db_user, $db_pass, '', $db_port );
	$link->query( "DROP DATABASE IF EXISTS `$db_name`" ) or die( $link->error . "\n" );
	if ( 'reset-db' === $phase ) {
		$link->query( "CREATE DATABASE `$db_name` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci" ) or die( $link->error . "\n" );
	}
	exit( 0 );
}

if ( ! in_array( $phase, array( 'install', 'populate', 'export' ), true ) ) {
	fwrite( STDERR, "usage: php make_export.php reset-db|install|populate|export OUT|drop-db\n" );
	exit( 2 );
}

$content_dir = getenv( 'WP_FIXTURE_CONTENT_DIR' );
if ( ! $content_dir || ! is_dir( $content_dir ) ) {
	fwrite( STDERR, "WP_FIXTURE_CONTENT_DIR must name an existing scratch directory\n" );
	exit( 2 );
}

// What a web request would have; WordPress reads these even from the CLI.
$_SERVER['HTTP_HOST']       = 'wp.example.test';
$_SERVER['SERVER_NAME']     = 'wp.example.test';
$_SERVER['SERVER_PORT']     = '80';
$_SERVER['REQUEST_URI']     = '/wp-admin/export.php';
$_SERVER['REQUEST_METHOD']  = 'GET';
$_SERVER['REMOTE_ADDR']     = '192.0.2.1';
$_SERVER['HTTP_USER_AGENT'] = 'make_export.php';

// The equivalent of wp-config.php (Debian's /usr/share/wordpress/wp-config.php
// would look for /etc/wordpress/config-<host>.php; we bypass it entirely).
define( 'DB_NAME', $db_name );
define( 'DB_USER', $db_user );
define( 'DB_PASSWORD', $db_pass );
define( 'DB_HOST', $db_host . ':' . $db_port );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
$table_prefix = 'wp_';
foreach ( array( 'AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT' ) as $k ) {
	define( $k, 'wp-fixture-not-secret-' . $k );
}
define( 'WP_SITEURL', 'http://wp.example.test' );
define( 'WP_HOME', 'http://wp.example.test' );
define( 'WP_CONTENT_DIR', rtrim( $content_dir, '/' ) );
define( 'WP_CONTENT_URL', 'http://wp.example.test/wp-content' );
define( 'WP_DEFAULT_THEME', 'twentytwentythree' );
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_AUTO_UPDATE_CORE', false );
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'WP_DEBUG', true );
define( 'WP_DEBUG_DISPLAY', true );
define( 'WP_DEBUG_LOG', false );
define( 'ABSPATH', rtrim( env( 'WP_FIXTURE_ABSPATH', '/usr/share/wordpress' ), '/' ) . '/' );

if ( 'install' === $phase ) {
	define( 'WP_INSTALLING', true );
}

require_once ABSPATH . 'wp-settings.php';

/* ------------------------------------------------------------------ install */

if ( 'install' === $phase ) {
	// Both are pluggable in wp-admin/includes/upgrade.php: skip the "Hello
	// world!" post, sample page and comment (their dates would be "now") and
	// the notification e-mail.
	function wp_install_defaults( $user_id ) {}
	function wp_new_blog_notification( $blog_title, $blog_url, $user_id, $password ) {}

	require_once ABSPATH . 'wp-admin/includes/upgrade.php';
	$result = wp_install( 'Fixture Blog', 'admin', 'admin@example.com', true, '', 'admin-password-not-secret', 'en_US' );
	if ( is_wp_error( $result ) ) {
		fwrite( STDERR, $result->get_error_message() . "\n" );
		exit( 1 );
	}
	exit( 0 );
}

function must( $value, $what ) {
	if ( is_wp_error( $value ) || ! $value ) {
		fwrite( STDERR, "failed: $what: " . ( is_wp_error( $value ) ? $value->get_error_message() : var_export( $value, true ) ) . "\n" );
		exit( 1 );
	}
	return $value;
}

/* ------------------------------------------------------------------- export */

if ( 'export' === $phase ) {
	$out = isset( $argv[2] ) ? $argv[2] : '';
	if ( '' === $out ) {
		fwrite( STDERR, "usage: php make_export.php export OUT.xml\n" );
		exit( 2 );
	}
	require_once ABSPATH . 'wp-admin/includes/export.php';
	wp_set_current_user( 1 ); // An administrator runs Tools > Export.
	// Stock export_wp() leaves spam out ("... AND comment_approved <> 'spam'"
	// in its comment query).  The fixture must carry a spam comment, so that one
	// clause is removed; everything else is written by export_wp() unchanged.
	// WP_FIXTURE_STOCK_EXPORT=1 gives the unmodified export (no spam comment).
	if ( ! getenv( 'WP_FIXTURE_STOCK_EXPORT' ) ) {
		add_filter(
			'query',
			function ( $query ) {
				return str_replace( " AND comment_approved <> 'spam'", '', $query );
			}
		);
	}
	ob_start();
	export_wp( array( 'content' => 'all' ) );
	$xml = ob_get_clean();
	must( false !== file_put_contents( $out, $xml ), "write $out" );
	exit( 0 );
}

/* ----------------------------------------------------------------- populate */

// The administrator has unfiltered_html, so kses leaves <script> in the post.
wp_set_current_user( 1 );

update_option( 'siteurl', 'http://wp.example.test' );
update_option( 'home', 'http://wp.example.test' );
update_option( 'blogname', 'Fixture Blog' );
update_option( 'blogdescription', 'A tiny site exported by WordPress itself' );
update_option( 'timezone_string', 'Europe/Madrid' );
update_option( 'gmt_offset', '' );
update_option( 'permalink_structure', '/%year%/%monthnum%/%postname%/' );
update_option( 'thread_comments', 1 );
update_option( 'thread_comments_depth', 10 );
$GLOBALS['wp_rewrite']->set_permalink_structure( '/%year%/%monthnum%/%postname%/' );

// Users (the administrator, id 1, authors nothing and is not exported).
$maria = must(
	wp_insert_user(
		array(
			'user_login'   => 'maria',
			'user_pass'    => 'not-secret-1',
			'user_email'   => 'maria@example.com',
			'display_name' => 'María Gómez',
			'first_name'   => 'María',
			'last_name'    => 'Gómez',
			'nickname'     => 'maria',
			'role'         => 'editor',
		)
	),
	'user maria'
);
$john = must(
	wp_insert_user(
		array(
			'user_login'   => 'jsmith',
			'user_pass'    => 'not-secret-2',
			'user_email'   => 'john.smith@example.com',
			'display_name' => 'John Smith',
			'first_name'   => 'John',
			'last_name'    => 'Smith',
			'nickname'     => 'jsmith',
			'role'         => 'author',
		)
	),
	'user jsmith'
);

// Terms.  Uncategorized first, so it is term 1 (the default_category option).
$uncat = must( wp_insert_term( 'Uncategorized', 'category', array( 'slug' => 'uncategorized' ) ), 'cat uncategorized' );
update_option( 'default_category', $uncat['term_id'] );
$news     = must( wp_insert_term( 'News', 'category', array( 'slug' => 'news', 'description' => 'Site news' ) ), 'cat news' );
$releases = must( wp_insert_term( 'Releases', 'category', array( 'slug' => 'releases', 'parent' => $news['term_id'], 'description' => 'Release notes' ) ), 'cat releases' );
$t_python = must( wp_insert_term( 'Python', 'post_tag', array( 'slug' => 'python' ) ), 'tag python' );
$t_django = must( wp_insert_term( 'Django', 'post_tag', array( 'slug' => 'django' ) ), 'tag django' );
$t_cafe   = must( wp_insert_term( 'Café', 'post_tag' ), 'tag café' );

$uploads = 'http://wp.example.test/wp-content/uploads';

$block_content = <<<HTML
<!-- wp:paragraph -->
<p>Welcome to the <strong>new</strong> site. Read the <a href="https://docs.example.org/intro/">introduction</a> first.</p>
<!-- /wp:paragraph -->

<!-- wp:heading -->
<h2>What changed</h2>
<!-- /wp:heading -->

<!-- wp:list -->
<ul><!-- wp:list-item -->
<li>Faster pages</li>
<!-- /wp:list-item -->

<!-- wp:list-item -->
<li>Threaded <em>comments</em></li>
<!-- /wp:list-item --></ul>
<!-- /wp:list -->

<!-- wp:quote -->
<blockquote class="wp-block-quote"><!-- wp:paragraph -->
<p>Simple is better than complex.</p>
<!-- /wp:paragraph --><cite>The Zen of Python</cite></blockquote>
<!-- /wp:quote -->

<!-- wp:table -->
<figure class="wp-block-table"><table><thead><tr><th>Version</th><th>Released</th></tr></thead><tbody><tr><td>1.0</td><td>March 2024</td></tr><tr><td>1.1</td><td>July 2024</td></tr></tbody></table></figure>
<!-- /wp:table -->

<!-- wp:image {"id":11,"sizeSlug":"large","linkDestination":"none"} -->
<figure class="wp-block-image size-large"><img src="{$uploads}/2024/03/cover.jpg" alt="A cover image" class="wp-image-11"/><figcaption class="wp-element-caption">The cover, full size</figcaption></figure>
<!-- /wp:image -->

[caption id="attachment_11" align="aligncenter" width="300"]<img class="size-medium wp-image-11" src="{$uploads}/2024/03/cover-300x200.jpg" alt="A cover image" width="300" height="200" /> The cover, smaller[/caption]

<!-- wp:paragraph -->
<p>[embed]https://video.example.com/watch?v=42[/embed]</p>
<!-- /wp:paragraph -->

<!-- wp:shortcode -->
[gallery ids="1,2"]
<!-- /wp:shortcode -->

<!-- wp:html -->
<script>alert(1)</script>
<!-- /wp:html -->
HTML;

$classic_content = "This post was written in the classic editor.\n\nIt has <em>two</em> paragraphs and a <a href=\"http://wp.example.test/2024/03/hello-from-wordpress/\">link to the first post</a>.";

function add_post( $args ) {
	$args = array_merge(
		array(
			'post_type'      => 'post',
			'comment_status' => 'open',
			'ping_status'    => 'open',
		),
		$args
	);
	return must( wp_insert_post( wp_slash( $args ), true ), 'post ' . $args['post_title'] );
}

// 10: published, block editor content, featured image 11.
$p_blocks = add_post(
	array(
		'import_id'     => 10,
		'post_title'    => 'Hello from WordPress',
		'post_name'     => 'hello-from-wordpress',
		'post_content'  => $block_content,
		'post_excerpt'  => 'A post written in the block editor.',
		'post_status'   => 'publish',
		'post_author'   => $maria,
		'post_date'     => '2024-03-10 09:30:00',
		'post_category' => array( $news['term_id'] ),
		'tags_input'    => array( 'Python', 'Café' ),
	)
);

// 11: the attachment (child of 10), used as 10's featured image.
$att = must(
	wp_insert_attachment(
		wp_slash(
			array(
				'import_id'      => 11,
				'post_title'     => 'cover',
				'post_name'      => 'cover',
				'post_content'   => 'Image description',
				'post_excerpt'   => 'The cover',
				'post_mime_type' => 'image/jpeg',
				'post_status'    => 'inherit',
				'post_author'    => $maria,
				'post_date'      => '2024-03-10 09:25:00',
				'guid'           => $uploads . '/2024/03/cover.jpg',
			)
		),
		'2024/03/cover.jpg',
		$p_blocks,
		true
	),
	'attachment'
);
update_post_meta( $att, '_wp_attachment_image_alt', 'A cover image' );
wp_update_attachment_metadata(
	$att,
	array(
		'width'    => 1200,
		'height'   => 800,
		'file'     => '2024/03/cover.jpg',
		'filesize' => 54321,
		'sizes'    => array(
			'medium' => array( 'file' => 'cover-300x200.jpg', 'width' => 300, 'height' => 200, 'mime-type' => 'image/jpeg', 'filesize' => 9876 ),
		),
	)
);
must( set_post_thumbnail( $p_blocks, $att ), 'thumbnail' );

// 12: published, classic content, child category, sticky.
$p_classic = add_post(
	array(
		'import_id'     => 12,
		'post_title'    => 'Summer release notes',
		'post_content'  => $classic_content,
		'post_status'   => 'publish',
		'post_author'   => $john,
		'post_date'     => '2024-07-02 18:45:00',
		'post_category' => array( $releases['term_id'] ),
		'tags_input'    => array( 'Django', 'Python' ),
	)
);
stick_post( $p_classic );

// 13: published just after local midnight on New Year: GMT date is 2024-12-31.
$p_thread = add_post(
	array(
		'import_id'     => 13,
		'post_title'    => 'Comments, threaded',
		'post_content'  => "<!-- wp:paragraph -->\n<p>Tell us what you think. Коментарі вітаються!</p>\n<!-- /wp:paragraph -->",
		'post_status'   => 'publish',
		'post_author'   => $maria,
		'post_date'     => '2025-01-01 00:30:00',
		'post_category' => array( $news['term_id'], $releases['term_id'] ),
	)
);

// 14: draft (WordPress leaves post_date_gmt zero and post_name empty).
add_post(
	array(
		'import_id'     => 14,
		'post_title'    => 'Unfinished draft',
		'post_content'  => 'Work in progress.',
		'post_status'   => 'draft',
		'post_author'   => $john,
		'post_date'     => '2025-02-20 10:00:00',
		'post_category' => array( $uncat['term_id'] ),
	)
);

// 15: scheduled (future).
add_post(
	array(
		'import_id'     => 15,
		'post_title'    => 'Scheduled for later',
		'post_content'  => 'This goes live in 2031.',
		'post_status'   => 'future',
		'post_author'   => $maria,
		'post_date'     => '2031-06-15 09:00:00',
		'post_category' => array( $news['term_id'] ),
	)
);

// 16: private.
add_post(
	array(
		'import_id'     => 16,
		'post_title'    => 'Private notes',
		'post_content'  => 'Only editors can read this.',
		'post_status'   => 'private',
		'post_author'   => $maria,
		'post_date'     => '2024-05-05 12:00:00',
		'post_category' => array( $uncat['term_id'] ),
	)
);

// 17: published, then trashed (status trash, post_name gets "__trashed";
// trashed after the page is made, as trashing stores revision 19, not exported).
$p_trashed = add_post(
	array(
		'import_id'     => 17,
		'post_title'    => 'Deleted post',
		'post_content'  => 'This one was thrown away.',
		'post_status'   => 'publish',
		'post_author'   => $john,
		'post_date'     => '2024-04-01 08:00:00',
		'post_category' => array( $uncat['term_id'] ),
	)
);

// 18: a page.
add_post(
	array(
		'import_id'      => 18,
		'post_type'      => 'page',
		'post_title'     => 'About',
		'post_name'      => 'about',
		'post_content'   => "<!-- wp:paragraph -->\n<p>About this site.</p>\n<!-- /wp:paragraph -->",
		'post_status'    => 'publish',
		'post_author'    => $john,
		'post_date'      => '2024-01-15 11:00:00',
		'comment_status' => 'closed',
		'ping_status'    => 'closed',
	)
);

must( wp_trash_post( $p_trashed ), 'trash post' );

// Comments: ids are assigned 1..N in this order.
function add_comment( $args ) {
	$args = array_merge(
		array(
			'comment_author_email' => '',
			'comment_author_url'   => '',
			'comment_author_IP'    => '192.0.2.10',
			'comment_agent'        => 'Mozilla/5.0 (X11; Linux x86_64) Fixture/1.0',
			'comment_approved'     => 1,
			'comment_type'         => 'comment',
			'comment_parent'       => 0,
			'user_id'              => 0,
		),
		$args
	);
	return must( wp_insert_comment( wp_slash( $args ) ), 'comment by ' . $args['comment_author'] );
}

// Post 13: one thread five levels deep (c1 > c2 > c3 > c4 > c5).
$c1 = add_comment( array( 'comment_post_ID' => $p_thread, 'comment_author' => 'Олена Коваленко', 'comment_author_email' => 'olena@example.org', 'comment_date' => '2025-01-02 10:00:00', 'comment_content' => 'Дякую за статтю! Чекаю на продовження.' ) );
$c2 = add_comment( array( 'comment_post_ID' => $p_thread, 'comment_parent' => $c1, 'comment_author' => 'Bob Reader', 'comment_author_email' => 'bob@example.net', 'comment_author_url' => 'https://bob.example.net/', 'comment_author_IP' => '2001:db8::2', 'comment_date' => '2025-01-02 11:15:00', 'comment_content' => "I agree with the first point.\n\nBut the second one needs more work:\nit ignores time zones.\n\nCheers,\nBob" ) );
$c3 = add_comment( array( 'comment_post_ID' => $p_thread, 'comment_parent' => $c2, 'comment_author' => 'Олена Коваленко', 'comment_author_email' => 'Olena@Example.ORG', 'comment_date' => '2025-01-02 12:30:00', 'comment_content' => 'Згодна, часові пояси — це складно.' ) );
$c4 = add_comment( array( 'comment_post_ID' => $p_thread, 'comment_parent' => $c3, 'comment_author' => "Edi\u{200B}tor", 'comment_author_email' => 'editor@example.com', 'comment_date' => '2025-01-03 09:00:00', 'comment_content' => 'Noted, we will fix it.' ) );
$c5 = add_comment( array( 'comment_post_ID' => $p_thread, 'comment_parent' => $c4, 'comment_author' => 'María Gómez', 'comment_author_email' => 'maria@example.com', 'comment_author_url' => 'http://wp.example.test', 'user_id' => $maria, 'comment_date' => '2025-01-03 10:00:00', 'comment_content' => 'Fixed in the next release. ¡Gracias!' ) );
// Pending, no e-mail.
$c6 = add_comment( array( 'comment_post_ID' => $p_thread, 'comment_author' => 'Guest Reader', 'comment_approved' => 0, 'comment_date' => '2025-01-04 08:00:00', 'comment_content' => 'Waiting for moderation.' ) );
// Spam (held, then marked spam).
$c7 = add_comment( array( 'comment_post_ID' => $p_thread, 'comment_author' => 'Cheap Pills', 'comment_author_email' => 'sales@spam.example', 'comment_author_url' => 'http://spam.example/buy', 'comment_author_IP' => '198.51.100.7', 'comment_approved' => 0, 'comment_date' => '2025-01-04 09:00:00', 'comment_content' => 'Buy now!!! http://spam.example/buy' ) );
must( wp_spam_comment( $c7 ), 'spam comment' );
// Trashed comment with an approved reply.
$c8 = add_comment( array( 'comment_post_ID' => $p_thread, 'comment_author' => 'Troll', 'comment_author_email' => 'troll@example.net', 'comment_date' => '2025-01-05 20:00:00', 'comment_content' => 'This post is rubbish.' ) );
$c9 = add_comment( array( 'comment_post_ID' => $p_thread, 'comment_parent' => $c8, 'comment_author' => 'Bob Reader', 'comment_author_email' => 'bob@example.net', 'comment_author_url' => 'https://bob.example.net/', 'comment_date' => '2025-01-05 21:00:00', 'comment_content' => 'Please be constructive.' ) );
must( wp_trash_comment( $c8 ), 'trash comment 8' );
// Trashed comment without replies.
$c10 = add_comment( array( 'comment_post_ID' => $p_thread, 'comment_author' => 'Oops', 'comment_author_email' => 'oops@example.net', 'comment_date' => '2025-01-06 07:00:00', 'comment_content' => 'Posted twice by mistake.' ) );
must( wp_trash_comment( $c10 ), 'trash comment 10' );

// Post 10: HTML comment, a pingback, the full-width name.
$c11 = add_comment( array( 'comment_post_ID' => $p_blocks, 'comment_author' => 'Bob Reader', 'comment_author_email' => 'bob@example.net', 'comment_author_url' => 'https://bob.example.net/', 'comment_date' => '2024-03-11 14:00:00', 'comment_content' => 'See <a href="https://docs.example.org/faq/">the FAQ</a>, it is <em>really</em> <strong>useful</strong>.<script>alert("xss")</script>' ) );
$c12 = add_comment( array( 'comment_post_ID' => $p_blocks, 'comment_author' => 'Another Blog &raquo; Linking to the fixture', 'comment_author_url' => 'http://blog.example.org/2024/03/linking/', 'comment_author_IP' => '203.0.113.5', 'comment_agent' => 'WordPress/6.1.9; http://blog.example.org', 'comment_type' => 'pingback', 'comment_date' => '2024-03-12 16:20:00', 'comment_content' => '[&#8230;] see Hello from WordPress for the details [&#8230;]' ) );
$c13 = add_comment( array( 'comment_post_ID' => $p_blocks, 'comment_author' => 'Ｅｄｉｔｏｒ', 'comment_author_email' => 'fullwidth@example.com', 'comment_date' => '2024-03-13 09:45:00', 'comment_content' => 'Full-width name, approved.' ) );

// Post 12: a trackback.
$c14 = add_comment( array( 'comment_post_ID' => $p_classic, 'comment_author' => 'Planet Example', 'comment_author_url' => 'http://planet.example.net/summer/', 'comment_author_IP' => '203.0.113.9', 'comment_agent' => '', 'comment_type' => 'trackback', 'comment_date' => '2024-07-03 08:00:00', 'comment_content' => "<strong>Summer roundup</strong>\n\nRelease notes from the fixture blog…" ) );

wp_update_comment_count_now( $p_thread );
wp_update_comment_count_now( $p_blocks );
wp_update_comment_count_now( $p_classic );

printf( "posts 10-18, comments %d-%d\n", $c1, $c14 );
