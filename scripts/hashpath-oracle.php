<?php
// Generates expected outputs for test/fixtures/hashpath-cakephp-derived.json by running CakePHP 2.x's
// own Hash::extract (not part of this repository) under PHP 8.2.
//
//   CAKE_UTILITY_DIR=/path/to/cakephp-2.10.24/lib/Cake/Utility \
//     php scripts/hashpath-oracle.php < cases.json > results.json
//
// Input: {"cases": [{"id", "path", "data"}...], "regex": [{"id", "pattern", "subject"}...]}.
// Output: the same entries with "expected" (or "error_class") and "php_warnings"; for regex
// entries "result" (1, 0 or false) and "preg_error" (preg_last_error_msg()).
error_reporting(E_ALL);
ini_set('display_errors', 'stderr');

class App {
    public static function uses($class, $package) {}
}
$dir = getenv('CAKE_UTILITY_DIR');
if ($dir === false || !is_file("$dir/Hash.php")) {
    fwrite(STDERR, "set CAKE_UTILITY_DIR to CakePHP 2.x's lib/Cake/Utility\n");
    exit(2);
}
require "$dir/CakeText.php";
require "$dir/Hash.php";

$warnings = [];
set_error_handler(function ($no, $message) use (&$warnings) {
    $warnings[] = $message;
    return true;
});

$input = json_decode(stream_get_contents(STDIN), true, 512, JSON_THROW_ON_ERROR);
$out = ['cases' => [], 'regex' => []];
foreach ($input['cases'] ?? [] as $case) {
    $warnings = [];
    try {
        $case['expected'] = Hash::extract($case['data'], $case['path']);
    } catch (Throwable $e) {
        $case['error'] = true;
        $case['error_class'] = get_class($e);
        $case['error_message'] = $e->getMessage();
    }
    if ($warnings) $case['php_warnings'] = $warnings;
    $out['cases'][] = $case;
}
foreach ($input['regex'] ?? [] as $case) {
    $warnings = [];
    $case['result'] = preg_match($case['pattern'], $case['subject']);
    $case['preg_error'] = preg_last_error_msg();
    if ($warnings) $case['php_warnings'] = $warnings;
    $out['regex'][] = $case;
}
echo json_encode($out, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION), "\n";
